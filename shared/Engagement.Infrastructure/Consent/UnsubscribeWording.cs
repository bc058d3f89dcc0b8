namespace Engagement.Infrastructure.Consent;

/// <summary>The words of the unsubscribe page, in Czech and English; <c>{product}</c> stands for <c>Consent:ProductName</c>.</summary>
/// <param name="Language">The language.</param>
/// <param name="Title">The page's heading.</param>
/// <param name="Intro">The sentence under it.</param>
/// <param name="All">Unsubscribes from every purpose by e-mail.</param>
/// <param name="Save">Unsubscribes from the ticked purposes.</param>
/// <param name="BoxHint">What ticking a purpose means.</param>
/// <param name="DoneTitle">After unsubscribing.</param>
/// <param name="DoneAll">After unsubscribing from everything.</param>
/// <param name="DoneSome">After unsubscribing from the ticked purposes.</param>
/// <param name="NothingTicked">Saved with nothing ticked.</param>
/// <param name="LinkInvalid">A malformed or altered link.</param>
/// <param name="LinkGone">A link for a purpose this deployment no longer has.</param>
public sealed record UnsubscribeWording(
    string Language,
    string Title,
    string Intro,
    string All,
    string Save,
    string BoxHint,
    string DoneTitle,
    string DoneAll,
    string DoneSome,
    string NothingTicked,
    string LinkInvalid,
    string LinkGone)
{
    /// <summary>Czech.</summary>
    public static UnsubscribeWording Czech { get; } = new(
        "cs",
        "Odhlášení z e-mailů",
        "Vyberte, jaké e-maily od {product} už nechcete dostávat. Odhlášení platí hned.",
        "Odhlásit ze všeho",
        "Odhlásit zaškrtnuté",
        "Zaškrtnuté účely odhlásíte.",
        "Odhlášení je zaznamenáno",
        "Už vám nebudeme posílat žádné marketingové e-maily.",
        "Vybrané e-maily vám už nebudeme posílat.",
        "Nic nebylo zaškrtnuto, nic se nezměnilo.",
        "Tento odkaz není platný. Zkontrolujte, že jste ho otevřeli celý.",
        "Tento odkaz už neplatí.");

    /// <summary>English.</summary>
    public static UnsubscribeWording English { get; } = new(
        "en",
        "Unsubscribe from e-mails",
        "Choose which e-mails from {product} you no longer want. Unsubscribing takes effect at once.",
        "Unsubscribe from all",
        "Unsubscribe from the ticked ones",
        "Tick what you want to unsubscribe from.",
        "You are unsubscribed",
        "We will send you no more marketing e-mails.",
        "We will no longer send you the e-mails you chose.",
        "Nothing was ticked, so nothing has changed.",
        "This link is not valid. Check that you opened all of it.",
        "This link is no longer valid.");

    /// <summary>The wording of a language; English for any other.</summary>
    public static UnsubscribeWording For(string language) => language == "cs" ? Czech : English;
}
