using System.Text.Json;
using Engagement.Core.Events;

namespace Engagement.Core.Interests;

/// <summary>The interest signals an event carries.</summary>
public static class InterestSignals
{
    /// <summary>Weight of an ad impression: seeing an ad on a site says less than visiting a page or clicking.</summary>
    public const double AdImpressionWeight = 0.2;

    /// <summary>Weight of the site someone came from.</summary>
    public const double ReferrerWeight = 0.5;

    private const int MaxProducts = 10;
    private const int MaxTextLength = 500;
    private const int MaxJsonDepth = 16;

    /// <summary>
    /// What <paramref name="ev"/> says about interests, every signal at the event's time and tagged with its message id:
    /// for a page or screen its URL, title, name, category (<c>properties.category</c>) and an external referrer; for a
    /// track event its name and the <c>category</c>, <c>name</c> and <c>query</c> properties, also of up to ten
    /// <c>products</c> (the Segment e-commerce spec); for an ad its domain. Properties that are not valid JSON are ignored.
    /// Intent events this library creates give none, so detected intents do not feed on themselves.
    /// </summary>
    public static IReadOnlyList<InterestSignal> From(EngagementEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var signals = new List<InterestSignal>();
        void Add(InterestSignalKind kind, string? text, double weight = 1)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return;
            }

            var trimmed = text.Trim();
            if (trimmed.Length > MaxTextLength)
            {
                trimmed = trimmed[..MaxTextLength];
            }

            if (!signals.Any(s => s.Kind == kind && string.Equals(s.Text, trimmed, StringComparison.OrdinalIgnoreCase)))
            {
                signals.Add(new InterestSignal(kind, trimmed, ev.Timestamp, weight, ev.MessageId));
            }
        }

        switch (ev.Kind)
        {
            case EventKind.Page or EventKind.Screen:
            {
                var page = ev.Page;
                Add(InterestSignalKind.Page, page?.Url ?? page?.Path);
                Add(InterestSignalKind.Title, page?.Title);
                if (!string.Equals(ev.Name, page?.Title, StringComparison.OrdinalIgnoreCase))
                {
                    Add(InterestSignalKind.Title, ev.Name);
                }

                if (ExternalReferrer(page) is { } referrer)
                {
                    Add(InterestSignalKind.Referrer, referrer, ReferrerWeight);
                }

                using var properties = ReadProperties(ev.PropertiesJson);
                if (properties is not null)
                {
                    Add(InterestSignalKind.Category, StringOf(properties.RootElement, "category"));
                }

                break;
            }

            case EventKind.Track when !string.Equals(ev.Name, IntentEvents.EventName, StringComparison.Ordinal):
            {
                Add(InterestSignalKind.EventName, ev.Name);
                using var properties = ReadProperties(ev.PropertiesJson);
                if (properties is not null)
                {
                    var root = properties.RootElement;
                    Add(InterestSignalKind.Category, StringOf(root, "category"));
                    Add(InterestSignalKind.Title, StringOf(root, "name"));
                    Add(InterestSignalKind.Search, StringOf(root, "query"));
                    if (root.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var product in products.EnumerateArray().Take(MaxProducts))
                        {
                            Add(InterestSignalKind.Category, StringOf(product, "category"));
                            Add(InterestSignalKind.Title, StringOf(product, "name"));
                        }
                    }
                }

                break;
            }

            case EventKind.AdImpression or EventKind.AdClick or EventKind.AdConversion when ev.Ad is { } ad:
                Add(InterestSignalKind.AdDomain, ad.Domain, ev.Kind == EventKind.AdImpression ? AdImpressionWeight : 1);
                break;
        }

        return signals;
    }

    // A referrer on the same site is only the previous page, already a signal of its own.
    private static string? ExternalReferrer(PageView? page)
    {
        var referrer = SignalText.NormalizeHost(page?.Referrer);
        if (referrer is null || !page!.Referrer!.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        var host = SignalText.NormalizeHost(page.Host) ?? SignalText.NormalizeHost(page.Url);
        return string.Equals(referrer, host, StringComparison.Ordinal) ? null : page.Referrer;
    }

    private static JsonDocument? ReadProperties(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            // Properties come from clients; what cannot be read says nothing about interests.
            return null;
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
