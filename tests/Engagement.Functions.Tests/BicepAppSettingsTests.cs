using System.Reflection;
using System.Text.RegularExpressions;

namespace Engagement.Functions.Tests;

/// <summary>
/// Every configuration key the code binds must be an app setting in infra-bicep/: a key missing there would make
/// the function app fail its options validation at start (or silently run on a default) only once deployed.
/// </summary>
public sealed partial class BicepAppSettingsTests
{
    /// <summary>Keys deliberately not set in Azure, with the reason.</summary>
    private static readonly Dictionary<string, string> LeftToDefaults = new(StringComparer.Ordinal)
    {
        ["Storage__ConnectionString"] = "Azure reaches storage with the managed identity (Storage__AccountName); a connection string would win over it.",
    };

    /// <summary>Settings read by triggers and the Functions host rather than by an Options class.</summary>
    private static readonly string[] TriggerSettings =
    [
        "EventHubConnection__fullyQualifiedNamespace",
        "EventHubConnection__credential",
        "EventHubConnection__clientId",
        "EventHubs__ConsumerGroup",
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ];

    [Fact]
    public void EveryBoundOptionsPropertyIsAnAppSetting()
    {
        var settings = BicepSettingNames();
        var keys = OptionsKeys().ToList();
        Assert.Contains(keys, k => k.Key == "Tracking__AllowedOrigins");

        var missing = keys
            .Where(k => !LeftToDefaults.ContainsKey(k.Key))
            .Where(k => k.IsCollection
                ? !settings.Any(s => s.StartsWith(k.Key + "__", StringComparison.Ordinal))
                : !settings.Contains(k.Key))
            .Select(k => k.Key)
            .ToList();

        Assert.True(missing.Count == 0, "Options keys without an app setting in infra-bicep/: " + string.Join(", ", missing));
    }

    [Fact]
    public void TriggerAndHostSettingsAreSet()
    {
        var settings = BicepSettingNames();
        var missing = TriggerSettings.Where(s => !settings.Contains(s)).ToList();
        Assert.True(missing.Count == 0, "Not set in infra-bicep/: " + string.Join(", ", missing));
    }

    [Fact]
    public void AllowListedKeysStillExist()
    {
        var keys = OptionsKeys().Select(k => k.Key).ToHashSet();
        var stale = LeftToDefaults.Keys.Where(k => !keys.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "Allow-listed keys the code no longer binds: " + string.Join(", ", stale));
    }

    [Fact]
    public void SecretsComeFromKeyVaultReferences()
    {
        var main = File.ReadAllText(Path.Combine(RepositoryRoot.Bicep, "main.bicep"));
        Assert.Matches(@"(?m)^\s*Ingestion__PseudonymSecret:\s*keyVault\.outputs\.pseudonymSecretReference\s*$", main);
        Assert.Matches(@"(?m)^\s*Admin__Key:\s*keyVault\.outputs\.adminKeyReference\s*$", main);
        Assert.Matches(@"(?m)^\s*Sms__WebhookKey:\s*keyVault\.outputs\.smsWebhookKeyReference\s*$", main);
        Assert.Matches(@"(?m)^\s*Sms__ConnectionString:\s*communication\.outputs\.smsConnectionStringReference\s*$", main);
        var communication = File.ReadAllText(Path.Combine(RepositoryRoot.Bicep, "modules", "communication.bicep"));
        Assert.Contains("name: 'Sms--ConnectionString'", communication, StringComparison.Ordinal);
        Assert.Contains("listKeys().primaryConnectionString", communication, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s*Consent__FormSecret:\s*keyVault\.outputs\.consentFormSecretReference\s*$", main);
        Assert.Matches(@"(?m)^\s*Email__Smtp__Password:.*\bkeyVault\.outputs\.smtpClientSecretReference\s*$", main);
        var keyVault = File.ReadAllText(Path.Combine(RepositoryRoot.Bicep, "modules", "keyvault.bicep"));
        Assert.Contains("SecretName=Ingestion--PseudonymSecret", keyVault, StringComparison.Ordinal);
        Assert.Contains("SecretName=Admin--Key", keyVault, StringComparison.Ordinal);
        Assert.Contains("SecretName=Consent--FormSecret", keyVault, StringComparison.Ordinal);
        Assert.Contains("SecretName=Email--Smtp--Password", keyVault, StringComparison.Ordinal);
        Assert.Contains("SecretName=Sms--WebhookKey", keyVault, StringComparison.Ordinal);
    }

    /// <summary>Section__Property for every public settable property of every type with a SectionName constant in our assemblies.</summary>
    private static IEnumerable<(string Key, bool IsCollection)> OptionsKeys()
    {
        var assemblies = Directory.EnumerateFiles(AppContext.BaseDirectory, "Engagement.*.dll")
            .Where(path => !Path.GetFileName(path).StartsWith("Engagement.Functions", StringComparison.Ordinal))
            .Select(Assembly.LoadFrom)
            .ToList();
        Assert.Contains(assemblies, a => a.GetName().Name == "Engagement.Infrastructure");

        foreach (var type in assemblies.SelectMany(a => a.GetExportedTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section)
            {
                // A nested section (Campaigns:Run) is an app setting with '__' for each ':' like any other key.
                foreach (var key in PropertyKeys(type, section.Replace(":", "__", StringComparison.Ordinal)))
                {
                    yield return key;
                }
            }
        }
    }

    private static IEnumerable<(string Key, bool IsCollection)> PropertyKeys(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = $"{prefix}__{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType == typeof(string) || propertyType.IsPrimitive || propertyType.IsEnum
                || propertyType == typeof(decimal) || propertyType == typeof(TimeSpan) || propertyType == typeof(Uri)
                || propertyType == typeof(DateTimeOffset) || propertyType == typeof(Guid))
            {
                yield return (key, false);
            }
            else if (typeof(System.Collections.IEnumerable).IsAssignableFrom(propertyType))
            {
                yield return (key, true);
            }
            else
            {
                foreach (var nested in PropertyKeys(propertyType, key))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>App-setting names in the Bicep files: object keys (settings objects) and <c>name: '...'</c> values (settings arrays).</summary>
    private static HashSet<string> BicepSettingNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.Bicep, "*.bicep", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            names.UnionWith(ObjectKey().Matches(text).Select(m => m.Groups["key"].Value));
            names.UnionWith(NameValue().Matches(text).Select(m => m.Groups["name"].Value));
        }

        return names;
    }

    [GeneratedRegex(@"(?m)^\s*'?(?<key>[A-Za-z_][A-Za-z0-9_]*)'?\s*:")]
    private static partial Regex ObjectKey();

    [GeneratedRegex(@"\bname:\s*'(?<name>[^']+)'")]
    private static partial Regex NameValue();
}
