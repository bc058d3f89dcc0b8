namespace Engagement.Core.Triggers;

/// <summary>What sets a triggered e-mail off.</summary>
public enum TriggerKind
{
    /// <summary>A product was added to the cart and no order followed within the wait.</summary>
    AbandonedCart,
    /// <summary>A user id was identified for the first time.</summary>
    Welcome,
    /// <summary>The person's birthday (a profile trait) has come, in the trigger's time zone.</summary>
    Birthday,
    /// <summary>A goal model scored the person at or above a threshold.</summary>
    Intent,
}

/// <summary>Who a triggered e-mail comes from, when not the deployment's <c>Email:From</c>.</summary>
/// <param name="Address">The sender address.</param>
/// <param name="Name">The display name.</param>
public sealed record TriggerSender(string Address, string? Name = null);

/// <summary>Abandoned cart: a run starts with <paramref name="StartEvent"/> and is cancelled by <paramref name="AwaitedEvent"/>.</summary>
/// <param name="StartEvent">The track event that starts (or, while waiting, restarts) the wait.</param>
/// <param name="AwaitedEvent">The track event that makes the e-mail unnecessary.</param>
/// <param name="WaitHours">How long after the latest start event the e-mail goes out (fractions allowed).</param>
public sealed record AbandonedCartSettings(string StartEvent = AbandonedCartSettings.DefaultStartEvent, string AwaitedEvent = AbandonedCartSettings.DefaultAwaitedEvent, double WaitHours = 4)
{
    /// <summary>The Segment e-commerce event of adding to the cart.</summary>
    public const string DefaultStartEvent = "Product Added";

    /// <summary>The Segment e-commerce event of an order.</summary>
    public const string DefaultAwaitedEvent = "Order Completed";

    /// <summary>The wait as a time span.</summary>
    public TimeSpan Wait => TimeSpan.FromHours(WaitHours);
}

/// <summary>Welcome: the e-mail goes out this long after the first identify of a user id.</summary>
/// <param name="DelayMinutes">Minutes to wait (0: at once).</param>
public sealed record WelcomeSettings(double DelayMinutes = 0);

/// <summary>Birthday: the e-mail goes out at <paramref name="LocalHour"/> on the day in <paramref name="TimeZone"/>.</summary>
/// <param name="Trait">The profile trait holding the date of birth (<c>yyyy-MM-dd</c>, or <c>MM-dd</c>).</param>
/// <param name="LocalHour">The hour of the day (0–23) it goes out.</param>
/// <param name="TimeZone">An IANA time zone id (<c>Europe/Prague</c>).</param>
public sealed record BirthdaySettings(string Trait = BirthdaySettings.DefaultTrait, int LocalHour = 9, string TimeZone = "UTC")
{
    /// <summary>The trait read unless told otherwise.</summary>
    public const string DefaultTrait = "birthday";
}

/// <summary>Intent: the e-mail goes out when a goal's champion model scores the person at or above the threshold.</summary>
/// <param name="Goal">The model goal (<c>Models:Goals</c>).</param>
/// <param name="Threshold">The probability (0–1) at or above which the person is written to.</param>
/// <param name="CooldownDays">Days after a run starts before the same person can start another.</param>
public sealed record IntentSettings(string Goal, double Threshold, int CooldownDays = 30);

/// <summary>
/// A triggered e-mail as a marketer defines it: what sets it off, which template it sends, for which consent purpose.
/// Exactly one of the kind settings is present: the one of <paramref name="Kind"/>.
/// </summary>
/// <param name="Id">Lower-case letters, digits and dashes, 1–40: part of every run id and Message-ID.</param>
/// <param name="Name">For people.</param>
/// <param name="Kind">What sets it off.</param>
/// <param name="TemplateId">The saved template it sends.</param>
/// <param name="Purpose">The consent purpose the e-mail is sent for.</param>
/// <param name="Sender">Who it comes from; null: <c>Email:From</c>.</param>
/// <param name="Enabled">Whether it starts runs and sends.</param>
/// <param name="AbandonedCart">Settings of an abandoned-cart trigger.</param>
/// <param name="Welcome">Settings of a welcome trigger.</param>
/// <param name="Birthday">Settings of a birthday trigger.</param>
/// <param name="Intent">Settings of an intent trigger.</param>
public sealed record TriggerDefinition(
    string Id,
    string Name,
    TriggerKind Kind,
    string TemplateId,
    string Purpose = TriggerDefinition.DefaultPurpose,
    TriggerSender? Sender = null,
    bool Enabled = true,
    AbandonedCartSettings? AbandonedCart = null,
    WelcomeSettings? Welcome = null,
    BirthdaySettings? Birthday = null,
    IntentSettings? Intent = null)
{
    /// <summary>The purpose triggered e-mails are sent for unless told otherwise.</summary>
    public const string DefaultPurpose = "marketing";

    /// <summary>The longest trigger id.</summary>
    public const int MaxIdLength = 40;

    /// <summary>Whether <paramref name="id"/> may name a trigger.</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && (char.IsAsciiLetterLower(id[0]) || char.IsAsciiDigit(id[0]))
        && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
