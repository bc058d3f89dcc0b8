using static Engagement.Core.Interests.Keywords;

namespace Engagement.Core.Interests;

public sealed partial class IntentRules
{
    /// <summary>
    /// The built-in rules: <c>travel-intent</c>, <c>moving</c>, <c>dissatisfied</c> (complaint, cancellation and
    /// comparison pages), and the life events <c>new-baby</c>, <c>wedding</c>, <c>retirement</c>, plus
    /// <c>car-purchase</c> and <c>home-purchase</c>; Czech and English keywords.
    /// </summary>
    public static IntentRules Default { get; } = new(
    [
        new("travel-intent", "probably going to travel", TimeSpan.FromDays(7), 2, All(
            Prefixes(1, "letenk", "zajezd", "flight", "airline"),
            Phrases(1, "pojištění do zahraničí", "cestovní pojištění", "pojištění léčebných výloh", "travel insurance",
                "last minute", "first minute", "all inclusive"),
            Prefixes(0.8, "ubytovan", "dovolenk", "hotel", "passport", "accommodat"),
            Words(0.8, "dovolena", "dovolene", "dovolenou", "vizum", "viza", "esta", "trip", "vacation", "holiday", "holidays"),
            Phrases(0.8, "cestovní pas", "zelená karta", "green card"),
            Prefixes(0.6, "cestov", "travel"),
            Words(0.6, "booking"),
            Domains(1, "letenky.cz", "kiwi.com", "skyscanner.net", "skyscanner.cz", "booking.com", "airbnb.com", "airbnb.cz",
                "invia.cz", "fischer.cz", "cedok.cz", "eximtours.cz", "blue-style.cz", "ryanair.com", "wizzair.com",
                "easyjet.com", "smartwings.com", "expedia.com", "hotels.com"))),
        new("moving", "probably moving", TimeSpan.FromDays(14), 2, All(
            Prefixes(1, "stehov", "stehuj", "prestehov", "odstehov", "nastehov", "vystehov", "relocat"),
            Words(1, "removals", "movers"),
            Phrases(1, "změna adresy", "změna bydliště", "změna trvalého pobytu", "přepis energií", "přepis elektřiny",
                "přepis plynu", "moving house", "moving home", "moving out", "move house", "change of address", "moving company"),
            Phrases(0.8, "předávací protokol", "new address", "packing boxes", "pojištění domácnosti"),
            Words(0.7, "moving"),
            Phrases(0.7, "nájemní smlouva", "nové bydlení", "trvalý pobyt", "trvalého pobytu", "tenancy agreement",
                "home insurance", "contents insurance"),
            Phrases(0.6, "nový byt", "pronájem bytu"),
            Domains(0.5, "sreality.cz", "bezrealitky.cz", "ulovdomov.cz"))),
        new("dissatisfied", "probably not satisfied", TimeSpan.FromDays(14), 2, All(
            Prefixes(1, "reklamac", "stiznost", "vypoved", "nespokojen", "complain", "cancel", "ombudsman"),
            Phrases(1, "zrušení smlouvy", "ukončení smlouvy", "odstoupení od smlouvy", "zrušení účtu", "zrušit účet",
                "finanční arbitr", "account closure", "close account", "close my account", "close your account"),
            Prefixes(0.8, "storn", "refund", "terminat", "dispute", "arbitr"),
            Phrases(0.8, "vrácení peněz", "změna banky", "změna pojišťovny", "přestup ke konkurenci", "switch provider"),
            Prefixes(0.7, "srovnan", "srovnav", "porovnan", "porovnav", "compar"),
            Words(0.7, "zruseni", "zrusit", "ukonceni"),
            Prefixes(0.5, "switch", "unsubscrib"),
            Words(0.5, "vs", "versus"))),
        new("new-baby", "probably expecting a baby", TimeSpan.FromDays(30), 2, All(
            Prefixes(1, "tehot", "porod", "novorozen", "materstv", "otcovsk", "vybavick", "pregnan", "maternit", "paternit",
                "newborn", "prenatal", "antenatal"),
            Phrases(1, "narození dítěte", "narození miminka", "narození potomka", "mateřská dovolená", "rodičovská dovolená",
                "rodičovský příspěvek", "giving birth", "parental leave", "due date"),
            Prefixes(0.7, "kocar", "plenk", "mimin", "diaper", "stroller", "pushchair"),
            Phrases(0.7, "rodný list", "birth certificate", "dětské spoření"),
            Words(0.6, "baby", "babies", "nappies", "pram"))),
        new("wedding", "probably getting married", TimeSpan.FromDays(30), 2, All(
            Prefixes(1, "svatb", "svateb", "snatk", "zasnub", "zasnoub", "nevest", "zenich", "snubn", "oddac", "libank",
                "wedding", "bride", "bridal", "honeymoon", "fiance"),
            Words(1, "snatek"),
            Phrases(1, "rozlučka se svobodou", "engagement ring", "getting married", "bachelor party", "hen party", "stag party"))),
        new("retirement", "probably retiring soon", TimeSpan.FromDays(30), 2, All(
            Prefixes(1, "starobn", "predcasn", "retire"),
            Phrases(1, "odchod do důchodu", "odchod do penze", "důchodový věk", "žádost o důchod", "kalkulačka důchodu",
                "výpočet důchodu", "state pension", "pension age"),
            Prefixes(0.8, "duchod", "pensioner"),
            Words(0.8, "cssz"),
            Prefixes(0.6, "penzist", "annuit"),
            Words(0.6, "penze", "pension"),
            Domains(1, "cssz.cz"))),
        new("car-purchase", "probably buying a car", TimeSpan.FromDays(14), 2, All(
            Prefixes(1, "autouver", "autobazar", "autosalon", "ojet", "dealership"),
            Phrases(1, "úvěr na auto", "půjčka na auto", "operativní leasing", "zkušební jízda", "testovací jízda", "car loan",
                "car finance", "test drive", "used car", "used cars", "new car"),
            Prefixes(0.7, "leasing", "havarijn"),
            Phrases(0.7, "povinné ručení", "pojištění auta", "car insurance"),
            Domains(0.8, "sauto.cz", "tipcars.com", "autobazar.eu", "aaaauto.cz", "autoesa.cz", "mobile.de", "autoscout24.com"))),
        new("home-purchase", "probably buying a home", TimeSpan.FromDays(30), 2, All(
            Prefixes(1, "hypot", "mortgag", "homebuy"),
            Phrases(1, "úvěr na bydlení", "koupě bytu", "koupě domu", "odhad nemovitosti", "kupní smlouva", "rezervační smlouva",
                "home loan", "buy a home", "buying a house", "first home"),
            Phrases(0.8, "prodej bytu", "prodej domu", "byty na prodej", "domy na prodej"),
            Prefixes(0.6, "katastr", "nemovit"),
            Phrases(0.6, "stavební spoření", "pojištění nemovitosti"),
            Domains(0.8, "hypoindex.cz"),
            Domains(0.6, "sreality.cz", "bezrealitky.cz"))),
    ]);
}
