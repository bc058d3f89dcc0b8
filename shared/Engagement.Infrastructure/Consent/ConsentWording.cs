using System.Globalization;

namespace Engagement.Infrastructure.Consent;

/// <summary>
/// The words around the consent texts — headings, buttons, status lines, the e-mail and the pages — in Czech and
/// English. <c>{product}</c> stands for <c>Consent:ProductName</c> and <c>{date}</c> for a date. The form script
/// receives these from the server, so every channel speaks from this one place.
/// </summary>
/// <param name="Language">The language.</param>
/// <param name="Title">The form's heading.</param>
/// <param name="Intro">The sentence under it.</param>
/// <param name="AcceptAll">Grants every purpose.</param>
/// <param name="DeclineAll">Grants none (a granted one is withdrawn).</param>
/// <param name="Save">Records the choices as ticked.</param>
/// <param name="Close">Closes the pop-up without deciding.</param>
/// <param name="WithdrawHint">How to withdraw.</param>
/// <param name="StatusGranted">A purpose currently granted.</param>
/// <param name="StatusDenied">A purpose declined.</param>
/// <param name="StatusWithdrawn">A purpose withdrawn.</param>
/// <param name="StatusNone">A purpose not decided.</param>
/// <param name="Saved">After saving.</param>
/// <param name="Failed">When saving failed.</param>
/// <param name="Continue">Link back to where the person came from.</param>
/// <param name="FormExpired">The subject token is no longer accepted.</param>
/// <param name="FormInvalid">The subject token is not valid.</param>
/// <param name="EmailSubject">The double opt-in e-mail's subject line.</param>
/// <param name="EmailGreeting">Its greeting.</param>
/// <param name="EmailIntro">Its first paragraph.</param>
/// <param name="EmailButton">Its confirmation link's label.</param>
/// <param name="EmailValidUntil">Until when the link works.</param>
/// <param name="EmailIgnore">What to do when the e-mail was not expected.</param>
/// <param name="ConfirmTitle">The confirmation page's heading.</param>
/// <param name="ConfirmIntro">Its sentence before the texts.</param>
/// <param name="ConfirmButton">Its button.</param>
/// <param name="ConfirmedTitle">After confirming.</param>
/// <param name="ConfirmedText">The sentence after confirming.</param>
/// <param name="AlreadyConfirmed">A link confirmed before.</param>
/// <param name="LinkExpired">An expired link.</param>
/// <param name="LinkInvalid">A malformed or altered link.</param>
/// <param name="LinkGone">A link whose request no longer exists.</param>
public sealed record ConsentWording(
    string Language,
    string Title,
    string Intro,
    string AcceptAll,
    string DeclineAll,
    string Save,
    string Close,
    string WithdrawHint,
    string StatusGranted,
    string StatusDenied,
    string StatusWithdrawn,
    string StatusNone,
    string Saved,
    string Failed,
    string Continue,
    string FormExpired,
    string FormInvalid,
    string EmailSubject,
    string EmailGreeting,
    string EmailIntro,
    string EmailButton,
    string EmailValidUntil,
    string EmailIgnore,
    string ConfirmTitle,
    string ConfirmIntro,
    string ConfirmButton,
    string ConfirmedTitle,
    string ConfirmedText,
    string AlreadyConfirmed,
    string LinkExpired,
    string LinkInvalid,
    string LinkGone)
{
    /// <summary>Czech.</summary>
    public static ConsentWording Czech { get; } = new(
        "cs",
        "Vaše souhlasy",
        "{product} se vás ptá, k čemu smí používat vaše údaje. Každý souhlas je dobrovolný a můžete ho kdykoli odvolat zde nebo ve svém účtu.",
        "Souhlasím se vším",
        "Nesouhlasím",
        "Uložit volbu",
        "Zavřít bez rozhodnutí",
        "Souhlas odvoláte tak, že zrušíte zaškrtnutí a volbu uložíte.",
        "Souhlas udělen {date}",
        "Odmítnuto {date}",
        "Odvoláno {date}",
        "Zatím nerozhodnuto",
        "Vaše volba je uložena.",
        "Volbu se nepodařilo uložit. Zkuste to prosím znovu.",
        "Pokračovat",
        "Platnost formuláře vypršela. Načtěte prosím stránku znovu.",
        "Tento formulář není platný. Otevřete ho prosím znovu ze svého účtu.",
        "Potvrďte prosím svůj souhlas – {product}",
        "Dobrý den,",
        "požádali jsme vás o souhlas s tím, co najdete níže. Pokud souhlasíte, potvrďte to prosím odkazem v tomto e-mailu.",
        "Potvrdit souhlas",
        "Odkaz platí do {date}.",
        "Pokud jste tento e-mail nečekali, nemusíte nic dělat: bez potvrzení nic nezaznamenáme.",
        "Potvrzení souhlasu",
        "Potvrďte prosím, že souhlasíte s následujícím:",
        "Potvrzuji souhlas",
        "Děkujeme, souhlas je potvrzen",
        "Svůj souhlas můžete kdykoli odvolat ve svém účtu nebo odkazem v každém e-mailu.",
        "Tento souhlas už byl potvrzen. Není potřeba nic dalšího.",
        "Platnost tohoto odkazu vypršela. Požádejte nás prosím o nový.",
        "Tento odkaz není platný. Zkontrolujte, že jste ho otevřeli celý.",
        "Tento odkaz už neplatí.");

    /// <summary>English.</summary>
    public static ConsentWording English { get; } = new(
        "en",
        "Your consents",
        "{product} asks what it may use your data for. Every consent is voluntary, and you can withdraw it at any time here or in your account.",
        "Accept all",
        "Decline all",
        "Save my choices",
        "Close without deciding",
        "To withdraw a consent, untick it and save your choices.",
        "Granted on {date}",
        "Declined on {date}",
        "Withdrawn on {date}",
        "Not decided yet",
        "Your choices have been saved.",
        "Your choices could not be saved. Please try again.",
        "Continue",
        "This consent form has expired. Please reload the page.",
        "This consent form is not valid. Please open it again from your account.",
        "Please confirm your consent – {product}",
        "Hello,",
        "we have asked for your consent to what you see below. If you agree, please confirm with the link in this e-mail.",
        "Confirm my consent",
        "The link works until {date}.",
        "If you did not expect this e-mail, there is nothing to do: nothing is recorded unless you confirm.",
        "Confirm your consent",
        "Please confirm that you agree to the following:",
        "I confirm my consent",
        "Thank you, your consent is confirmed",
        "You can withdraw it at any time in your account or with the link in every e-mail.",
        "This consent has already been confirmed. There is nothing more to do.",
        "This link has expired. Please ask us for a new one.",
        "This link is not valid. Check that you opened all of it.",
        "This link is no longer valid.");

    /// <summary>The wording of a language; English for any other.</summary>
    public static ConsentWording For(string language) => language == "cs" ? Czech : English;

    /// <summary>A date as people of this language write it (the app runs without culture data).</summary>
    public string Date(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return Language == "cs"
            ? string.Create(CultureInfo.InvariantCulture, $"{utc.Day}. {utc.Month}. {utc.Year}")
            : utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
    }

    /// <summary>A phrase with the product's name and a date filled in.</summary>
    public string Fill(string phrase, string product, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var text = phrase.Replace("{product}", product, StringComparison.Ordinal);
        return at is { } date ? text.Replace("{date}", Date(date), StringComparison.Ordinal) : text;
    }
}
