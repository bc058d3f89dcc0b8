using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engagement.Host.Hosting;

/// <summary>
/// Secrets of the embedded default deployment (pseudonym secret, admin key, consent form secret, SMS events webhook key), made at random on first use and kept
/// in <c>.engage/secrets.json</c>. With explicit storage they must come from configuration instead.
/// </summary>
public static class LocalSettings
{
    /// <summary>The settings the embedded default needs, creating them on first use.</summary>
    public static IReadOnlyDictionary<string, string?> Load(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "secrets.json");
        var values = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? [] : [];
        var changed = false;
        foreach (var key in new[] { "Ingestion:PseudonymSecret", "Admin:Key", "Consent:FormSecret", "Campaigns:TrackingSecret", "Demo:WebKey", "Demo:AdKey", "Sms:WebhookKey" })
        {
            if (values[key] is null)
            {
                values[key] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
                changed = true;
            }
        }

        if (changed)
        {
            File.WriteAllText(path, values.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        return values.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>());
    }
}
