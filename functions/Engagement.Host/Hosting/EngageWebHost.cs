using Azure;
using Engagement.Host.Endpoints;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Hosting;

/// <summary>The self-hosted runtime of the functions: the same services, with Kestrel, a queue consumer and timers as triggers.</summary>
public static class EngageWebHost
{
    /// <summary>Builds the web host on the given settings (storage, secrets, overrides).</summary>
    /// <param name="settings">Configuration values, e.g. <c>Storage:ConnectionString</c>.</param>
    /// <param name="urls">Where to listen, e.g. <c>http://127.0.0.1:5080</c>.</param>
    /// <param name="consume">Whether to run the stream consumer, the timers and the workflow runtime.</param>
    /// <param name="configureServices">More services, such as workflow types of an embedding application, or a test's <see cref="TimeProvider"/>.</param>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings, string urls, bool consume = true, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The storage SDK logs every expected 404/409 (exists already, not found) as a warning.
        builder.Logging.AddFilter("Azure.Core", LogLevel.Error);
        builder.Services.AddEngagementInfrastructure(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        if (consume)
        {
            builder.Services.AddHostedService<StreamConsumerService>();
            builder.Services.AddHostedService<TimerService>();
            builder.Services.AddHostedService<WorkflowService>();
            builder.Services.AddHostedService<TriggerSignalService>();
        }

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(WriteUnhandledAsync));
        app.MapTracking();
        app.MapConsentForms();
        app.MapManagement();
        app.MapContacts();
        app.MapCampaignTracking();
        app.MapTriggers();
        return app;
    }

    /// <summary>Creates tables, containers and the queue; fails when storage cannot be reached.</summary>
    public static async Task PrepareStorageAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await services.GetRequiredService<EngagementStorage>().EnsureCreatedAsync(cancellationToken);
    }

    private static async Task WriteUnhandledAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        // Storage trouble is temporary: say so, so clients retry rather than drop.
        var reply = error is RequestFailedException or HttpRequestException or TimeoutException or OperationCanceledException
            ? ReplyShape.Problem(new ApiProblem("Temporarily unavailable", 503, "Storage did not answer; retry shortly."), TimeSpan.FromSeconds(5))
            : ReplyShape.Problem(new ApiProblem("Internal error", 500, "The request failed unexpectedly; it has been logged."));
        await reply.WriteAsync(context.Response, context.RequestAborted);
    }
}
