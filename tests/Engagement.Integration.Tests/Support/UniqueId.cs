namespace Engagement.Integration.Tests.Support;

/// <summary>Ids no other test uses, so tests sharing one Azurite never see each other's data.</summary>
public static class UniqueId
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A queue name: 3–63 lower-case letters, digits and dashes.</summary>
    public static string QueueName() => "q" + Guid.NewGuid().ToString("N")[..20];
}
