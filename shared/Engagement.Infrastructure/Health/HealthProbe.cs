using Azure;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Health;

/// <summary>One checked part of the system.</summary>
/// <param name="Part">What was checked.</param>
/// <param name="Healthy">Whether it answered.</param>
/// <param name="Detail">What went wrong, if anything.</param>
public sealed record HealthCheck(string Part, bool Healthy, string? Detail);

/// <summary>Checks that the storage the host depends on answers.</summary>
public sealed class HealthProbe(EngagementStorage storage)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Checks tables, blobs and the stream queue.</summary>
    public async Task<IReadOnlyList<HealthCheck>> CheckAsync(CancellationToken cancellationToken = default)
    {
        return await Task.WhenAll(
            CheckAsync("table storage", ct => storage.Events.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("health", "probe", cancellationToken: ct), cancellationToken),
            CheckAsync("blob storage", ct => storage.DeadLetters.ExistsAsync(ct), cancellationToken),
            CheckAsync("event stream", ct => storage.StreamQueue.GetPropertiesAsync(ct), cancellationToken));
    }

    private static async Task<HealthCheck> CheckAsync<T>(string part, Func<CancellationToken, Task<T>> probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await probe(timeout.Token);
            return new HealthCheck(part, true, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheck(part, false, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or IOException)
        {
            return new HealthCheck(part, false, ex.Message.Split('\n', 2)[0]);
        }
    }
}
