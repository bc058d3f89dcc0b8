using System.Diagnostics.CodeAnalysis;

namespace Engagement.Core.Campaigns;

/// <summary>
/// What a campaign e-mail is: campaign, step (test, main, reminder, or a trigger's step), variant and recipient. Its
/// Message-ID spells these out, so the same send always carries the same Message-ID (a message handed to the relay
/// again after a crash is recognisably the same message) and delivery and engagement reports that quote the
/// Message-ID lead back to the send without a lookup. The recipient is named only by the pseudonymous subject key.
/// </summary>
/// <param name="CampaignId">The campaign (or trigger) id.</param>
/// <param name="Step">The step of the campaign the message belongs to.</param>
/// <param name="Variant">The variant the recipient got.</param>
/// <param name="SubjectKey">The recipient's pseudonymous subject key.</param>
public sealed record CampaignMessageId(string CampaignId, string Step, string Variant, string SubjectKey)
{
    private const string Prefix = "e360";

    /// <summary>The Message-ID without angle brackets: <c>e360.{campaign}.{step}.{variant}.{subject}@{domain}</c>.</summary>
    public string Format(string domain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        foreach (var (name, value) in new[] { ("campaign id", CampaignId), ("step", Step), ("variant", Variant), ("subject key", SubjectKey) })
        {
            if (!IsPart(value))
            {
                throw new ArgumentException($"The {name} '{value}' cannot be part of a Message-ID: use letters, digits, '-' and '_' only.");
            }
        }

        return $"{Prefix}.{CampaignId}.{Step}.{Variant}.{SubjectKey}@{domain.Trim()}";
    }

    /// <summary>Reads a Message-ID this product made (with or without angle brackets); false for any other.</summary>
    public static bool TryParse(string? messageId, [NotNullWhen(true)] out CampaignMessageId? parsed)
    {
        parsed = null;
        var text = messageId?.Trim().TrimStart('<').TrimEnd('>');
        var at = text?.LastIndexOf('@') ?? -1;
        if (text is null || at <= 0)
        {
            return false;
        }

        var parts = text[..at].Split('.');
        if (parts.Length != 5 || parts[0] != Prefix || !parts.Skip(1).All(IsPart))
        {
            return false;
        }

        parsed = new CampaignMessageId(parts[1], parts[2], parts[3], parts[4]);
        return true;
    }

    /// <summary>Whether a value may be one part of the Message-ID (and of a table key).</summary>
    public static bool IsPart(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
