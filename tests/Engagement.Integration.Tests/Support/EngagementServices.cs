using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Support;

/// <summary>One DI container of the platform (as one host process has), wired to the test Azurite.</summary>
public sealed class EngagementServices(ServiceProvider provider) : IAsyncDisposable
{
    private int _disposed;

    public IServiceProvider Provider => provider;

    public T Get<T>()
        where T : notnull => provider.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await provider.DisposeAsync();
        }
    }
}
