namespace Engagement.Core.Consent;

/// <summary>The consent texts the product ships with (version 1, Czech and English); a deployment replaces them with its own file.</summary>
internal static class DefaultConsentTexts
{
    public static IReadOnlyList<ConsentText> All { get; } =
    [
        new("marketing-email", 1, "cs", "marketing", ContactChannel.Email,
            "Novinky a nabídky e-mailem",
            "Souhlasím se zasíláním obchodních sdělení, novinek a nabídek e-mailem. Souhlas mohu kdykoli odvolat odkazem v každém e-mailu nebo ve svém účtu."),
        new("marketing-email", 1, "en", "marketing", ContactChannel.Email,
            "News and offers by e-mail",
            "I agree to receive marketing messages, news and offers by e-mail. I can withdraw this consent at any time with the link in every e-mail or in my account."),
        new("marketing-sms", 1, "cs", "marketing", ContactChannel.Sms,
            "Nabídky v SMS",
            "Souhlasím se zasíláním obchodních sdělení a nabídek formou SMS. Souhlas mohu kdykoli odvolat odpovědí STOP nebo ve svém účtu."),
        new("marketing-sms", 1, "en", "marketing", ContactChannel.Sms,
            "Offers by text message",
            "I agree to receive marketing messages and offers by text message. I can withdraw this consent at any time by replying STOP or in my account."),
        new("marketing-phone", 1, "cs", "marketing", ContactChannel.Phone,
            "Nabídky po telefonu",
            "Souhlasím s tím, že mě můžete kontaktovat telefonicky s nabídkami produktů a služeb. Souhlas mohu kdykoli odvolat."),
        new("marketing-phone", 1, "en", "marketing", ContactChannel.Phone,
            "Offers by phone",
            "I agree that you may call me with offers of products and services. I can withdraw this consent at any time."),
        new("profiling", 1, "cs", "profiling", ContactChannel.Any,
            "Osobní doporučení",
            "Souhlasím s tím, že na základě mé aktivity na webu a v aplikaci vyhodnotíte mé zájmy a přizpůsobíte mi obsah a nabídky. Souhlas mohu kdykoli odvolat."),
        new("profiling", 1, "en", "profiling", ContactChannel.Any,
            "Personal recommendations",
            "I agree that you analyse my activity on the website and in the app to learn my interests and tailor content and offers to me. I can withdraw this consent at any time."),
        new("ad-personalisation", 1, "cs", "ad-personalisation", ContactChannel.Any,
            "Personalizovaná reklama",
            "Souhlasím s tím, že mi na jiných webech budete zobrazovat reklamu podle mých zájmů. Souhlas mohu kdykoli odvolat."),
        new("ad-personalisation", 1, "en", "ad-personalisation", ContactChannel.Any,
            "Personalised advertising",
            "I agree that you show me advertising on other websites based on my interests. I can withdraw this consent at any time."),
        new("third-party-sharing", 1, "cs", "third-party-sharing", ContactChannel.Any,
            "Předání údajů partnerům",
            "Souhlasím s předáním svých kontaktních údajů vybraným partnerům, kteří mi mohou zasílat své nabídky. Souhlas mohu kdykoli odvolat."),
        new("third-party-sharing", 1, "en", "third-party-sharing", ContactChannel.Any,
            "Sharing with partners",
            "I agree that my contact details are shared with selected partners who may send me their offers. I can withdraw this consent at any time."),
    ];
}
