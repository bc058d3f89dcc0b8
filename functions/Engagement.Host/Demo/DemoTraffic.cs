using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Engagement.Host.Demo;

/// <summary>A kind of visitor: what they read, buy and which ads and sites they respond to.</summary>
internal sealed record Persona(
    string Name,
    string[] Pages,
    (string Id, string Name, decimal Price)[] Products,
    string[] FavouriteDomains,
    string Campaign,
    double OrderRate,
    double ClickAffinity);

/// <summary>
/// A realistic, seeded week of traffic for a bank-and-insurer's website: visitors with personas, sessions of page
/// views with meaningful URLs, product views, carts, orders, logins (which stitch anonymous history to customers),
/// and ad-server records across news and portal domains. A few malformed records are mixed in, as real tags and
/// logs have them.
/// </summary>
internal sealed class DemoTraffic
{
    private const string Site = "https://www.example-finance.cz";

    public static readonly string[] Domains =
    [
        "novinky.cz", "idnes.cz", "seznamzpravy.cz", "aktualne.cz", "denik.cz", "blesk.cz",
        "sport.cz", "isport.cz", "cestovani.cz", "auto.cz", "maminka.cz", "penize.cz",
    ];

    private static readonly Persona[] Personas =
    [
        new("sporty", ["/sport/urazove-pojisteni", "/sport/pojisteni-lyzaru", "/blog/behani-a-zdravi", "/en/sport/accident-insurance", "/sport/horska-kola-pojisteni"],
            [("sport-accident", "Úrazové pojištění Sport", 890m), ("ski-insurance", "Pojištění na hory", 390m)],
            ["sport.cz", "isport.cz", "idnes.cz"], "sport-insurance", 0.10, 1.0),
        new("traveller", ["/cestovani/pojisteni-do-zahranici", "/cestovani/dovolena-recko", "/blog/10-tipu-na-dovolenou", "/en/travel/travel-insurance", "/cestovani/letenky-a-storno"],
            [("travel-annual", "Roční cestovní pojištění", 1490m), ("travel-trip", "Pojištění na cestu", 290m)],
            ["cestovani.cz", "novinky.cz", "seznamzpravy.cz"], "travel-summer", 0.14, 1.2),
        new("young-family", ["/rodina/detske-sporeni", "/rodina/pojisteni-deti", "/blog/miminko-a-finance", "/rodina/hypoteka-pro-mlade", "/zivotni-situace/narozeni-ditete"],
            [("kids-savings", "Dětské spoření", 500m), ("family-life", "Životní pojištění rodiny", 1200m)],
            ["maminka.cz", "blesk.cz", "denik.cz"], "family-savings", 0.08, 0.9),
        new("pension-saver", ["/penze/doplnkove-penzijni-sporeni", "/penze/kalkulacka-duchodu", "/blog/jak-si-sporit-na-duchod", "/en/pension/savings", "/investice/podilove-fondy"],
            [("pension-plan", "Doplňkové penzijní spoření", 1000m), ("funds", "Podílové fondy", 2000m)],
            ["penize.cz", "aktualne.cz", "novinky.cz"], "pension-2026", 0.07, 0.8),
        new("car-buyer", ["/auto/povinne-ruceni", "/auto/havarijni-pojisteni", "/auto/uver-na-auto", "/blog/jak-vybrat-ojete-auto", "/en/car/car-loan"],
            [("car-liability", "Povinné ručení", 2900m), ("car-loan", "Úvěr na auto", 15000m)],
            ["auto.cz", "idnes.cz", "seznamzpravy.cz"], "car-loan", 0.12, 1.1),
    ];

    /// <summary>Product families (one per persona) and their products: the demo's next-best-offer goals.</summary>
    public static IEnumerable<(string Family, IReadOnlyList<string> Products)> ProductFamilies =>
        Personas.Select(p => (p.Name, (IReadOnlyList<string>)p.Products.Select(product => product.Id).ToList()));

    private static readonly string[] CommonPages = ["/", "/kontakty", "/pobocky", "/o-nas", "/produkty", "/prihlaseni", "/blog"];

    private static readonly Dictionary<string, string[]> Creatives = new()
    {
        ["sport-insurance"] = ["sport-banner-a", "sport-video-b"],
        ["travel-summer"] = ["travel-beach-a", "travel-city-b", "travel-video-c"],
        ["family-savings"] = ["family-banner-a", "family-native-b"],
        ["pension-2026"] = ["pension-banner-a", "pension-calc-b"],
        ["car-loan"] = ["car-banner-a", "car-video-b"],
    };

    private readonly Random _random;
    private readonly int _seed;
    private readonly DateTimeOffset _weekStart;
    private long _sequence;

    public DemoTraffic(int seed, DateTimeOffset weekStart)
    {
        _seed = seed;
        _random = new Random(seed);
        _weekStart = weekStart;
    }

    /// <summary>One visitor's simulated week: web messages (Segment format) and ad log rows.</summary>
    public sealed record VisitorWeek(List<JsonObject> Messages, List<string> AdRows);

    public static string AdLogHeader => "type,cookie_id,user_id,domain,placement,campaign,creative,visible_seconds,cost_eur,timestamp";

    public VisitorWeek NextVisitor(int index)
    {
        var persona = Personas[_random.Next(Personas.Length)];
        var anonymousId = $"anon-{_seed}-{index:D6}-{_random.Next(0x10000):x4}";
        var isCustomer = _random.NextDouble() < 0.35;
        var userId = isCustomer ? $"cust-{_seed}-{index:D6}" : null;
        var messages = new List<JsonObject>();
        var adRows = new List<string>();
        // About one visitor in five is in the market this week: they come back more often, look at products and fill
        // carts more, and are far likelier to order. What they did on earlier days is what the models can learn from.
        var inMarket = _random.NextDouble() < 0.2;
        var sessions = inMarket ? 3 + _random.Next(5) : 1 + _random.Next(4);
        var loggedIn = false;
        var orderRate = persona.OrderRate * (inMarket ? 4 : 0.3);
        var viewRate = inMarket ? 0.85 : 0.4;
        var cartRate = inMarket ? 0.6 : 0.25;

        for (var s = 0; s < sessions; s++)
        {
            var time = _weekStart.AddMinutes(_random.Next(7 * 24 * 60));
            // Ads shown before the visit, on the persona's favourite sites more often than elsewhere.
            var impressions = 1 + _random.Next(5);
            var clicked = false;
            for (var a = 0; a < impressions; a++)
            {
                time = time.AddSeconds(20 + _random.Next(600));
                clicked |= AddAdRecords(adRows, persona, anonymousId, time, ref orderRate);
            }

            var pages = 2 + _random.Next(7);
            for (var p = 0; p < pages; p++)
            {
                time = time.AddSeconds(15 + _random.Next(150));
                var path = _random.NextDouble() < 0.7 ? persona.Pages[_random.Next(persona.Pages.Length)] : CommonPages[_random.Next(CommonPages.Length)];
                messages.Add(Page(anonymousId, loggedIn ? userId : null, path, time, clicked && p == 0 ? persona.Campaign : null));
            }

            if (isCustomer && !loggedIn && _random.NextDouble() < 0.6)
            {
                time = time.AddSeconds(10);
                messages.Add(Identify(anonymousId, userId!, persona, time, index));
                messages.Add(Track(anonymousId, userId, "Signed In", time.AddSeconds(1), new JsonObject { ["method"] = "password" }));
                loggedIn = true;
            }

            if (_random.NextDouble() < viewRate)
            {
                var product = persona.Products[_random.Next(persona.Products.Length)];
                time = time.AddSeconds(30 + _random.Next(120));
                messages.Add(Track(anonymousId, loggedIn ? userId : null, "Product Viewed", time, ProductProperties(product)));
                if (_random.NextDouble() < cartRate)
                {
                    time = time.AddSeconds(20 + _random.Next(90));
                    messages.Add(Track(anonymousId, loggedIn ? userId : null, "Product Added", time, ProductProperties(product)));
                    if (_random.NextDouble() < orderRate * 3)
                    {
                        time = time.AddSeconds(60 + _random.Next(300));
                        var order = ProductProperties(product);
                        order["order_id"] = $"ord-{_seed}-{index:D6}-{s}";
                        order["revenue"] = product.Price;
                        order["currency"] = "CZK";
                        messages.Add(Track(anonymousId, loggedIn ? userId : null, "Order Completed", time, order));
                    }
                }
            }

            // A broken tag now and then: a track call without an event name is dead-lettered, not lost.
            if (_random.NextDouble() < 0.002)
            {
                var broken = Track(anonymousId, null, "x", time, null);
                broken.Remove("event");
                messages.Add(broken);
            }
        }

        if (_random.NextDouble() < 0.001)
        {
            adRows.Add($"impression,{anonymousId},,not a domain,top,{persona.Campaign},x,abc,0.01,yesterday");
        }

        return new VisitorWeek(messages, adRows);
    }

    private bool AddAdRecords(List<string> rows, Persona persona, string cookie, DateTimeOffset time, ref double orderRate)
    {
        var favourite = _random.NextDouble() < 0.6;
        var domain = favourite ? persona.FavouriteDomains[_random.Next(persona.FavouriteDomains.Length)] : Domains[_random.Next(Domains.Length)];
        var matching = _random.NextDouble() < 0.5;
        var campaign = matching ? persona.Campaign : Creatives.Keys.ElementAt(_random.Next(Creatives.Count));
        var creatives = Creatives[campaign];
        var creative = creatives[_random.Next(creatives.Length)];
        var placement = _random.NextDouble() < 0.5 ? "top" : "article";
        var viewable = _random.NextDouble() < 0.7;
        var visible = viewable ? Math.Round(1 + (_random.NextDouble() * 29), 1) : 0;
        var cost = Math.Round(0.0025m + (decimal)_random.NextDouble() * 0.004m, 5);
        rows.Add(AdRow("impression", cookie, domain, placement, campaign, creative, visible, cost, time));

        var clickRate = 0.004 * (matching ? 5 * persona.ClickAffinity : 1) * (visible > 5 ? 2 : 1) * (favourite ? 1.5 : 1);
        if (_random.NextDouble() >= clickRate)
        {
            return false;
        }

        rows.Add(AdRow("click", cookie, domain, placement, campaign, creative, 0, 0, time.AddSeconds(2 + _random.Next(visible > 0 ? (int)visible : 3))));
        if (matching)
        {
            orderRate *= 1.8;
        }

        if (_random.NextDouble() < (matching ? 0.25 : 0.03))
        {
            rows.Add(AdRow("conversion", cookie, domain, placement, campaign, creative, 0, 0, time.AddMinutes(5 + _random.Next(60))));
        }

        return true;
    }

    private static string AdRow(string type, string cookie, string domain, string placement, string campaign, string creative, double visible, decimal cost, DateTimeOffset time) =>
        string.Join(',', type, cookie, string.Empty, domain, placement, campaign, creative,
            visible.ToString(CultureInfo.InvariantCulture), cost.ToString(CultureInfo.InvariantCulture), time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private JsonObject Page(string anonymousId, string? userId, string path, DateTimeOffset time, string? campaign)
    {
        var url = Site + path + (campaign is null ? string.Empty : $"?utm_source=display&utm_campaign={campaign}");
        var message = Base("page", anonymousId, userId, time);
        message["name"] = TitleOf(path);
        message["properties"] = new JsonObject { ["url"] = url, ["path"] = path, ["title"] = TitleOf(path), ["referrer"] = campaign is null ? null : "https://" + Domains[0] + "/" };
        message["context"] = new JsonObject
        {
            ["page"] = new JsonObject { ["url"] = url, ["path"] = path },
            ["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
            ["locale"] = path.StartsWith("/en/", StringComparison.Ordinal) ? "en-GB" : "cs-CZ",
        };
        return message;
    }

    private JsonObject Track(string anonymousId, string? userId, string name, DateTimeOffset time, JsonObject? properties)
    {
        var message = Base("track", anonymousId, userId, time);
        message["event"] = name;
        if (properties is not null)
        {
            message["properties"] = properties;
        }

        return message;
    }

    private JsonObject Identify(string anonymousId, string userId, Persona persona, DateTimeOffset time, int index)
    {
        var message = Base("identify", anonymousId, userId, time);
        var first = new[] { "Jana", "Petr", "Eva", "Tomáš", "Lucie", "Martin", "Kateřina", "Jakub" }[index % 8];
        message["traits"] = new JsonObject
        {
            ["email"] = $"{RemoveAccents(first).ToLowerInvariant()}.{index}@example.cz",
            ["firstName"] = first,
            ["ageBand"] = persona.Name == "pension-saver" ? "50-64" : persona.Name == "young-family" ? "25-34" : "35-49",
            // What the customer answered about personalised ads (recorded in the CRM): bids go only to those who agreed.
            ["adPersonalisation"] = index % 10 < 7,
            ["customerSince"] = _weekStart.AddDays(-30 - (index % 2000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        return message;
    }

    private JsonObject Base(string type, string anonymousId, string? userId, DateTimeOffset time)
    {
        var message = new JsonObject
        {
            ["type"] = type,
            ["messageId"] = $"demo-{_seed}-{_sequence++:x8}",
            ["anonymousId"] = anonymousId,
            ["timestamp"] = time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
        if (userId is not null)
        {
            message["userId"] = userId;
        }

        return message;
    }

    private static JsonObject ProductProperties((string Id, string Name, decimal Price) product) =>
        new() { ["product_id"] = product.Id, ["name"] = product.Name, ["price"] = product.Price, ["currency"] = "CZK" };

    private static string TitleOf(string path)
    {
        var last = path.TrimEnd('/').Split('/').Last();
        return last.Length == 0 ? "Domů" : char.ToUpperInvariant(last[0]) + last[1..].Replace('-', ' ');
    }

    private static string RemoveAccents(string text)
    {
        var builder = new StringBuilder();
        foreach (var ch in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }
}
