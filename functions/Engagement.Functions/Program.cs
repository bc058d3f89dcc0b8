using Azure.Messaging.EventHubs.Producer;
using Engagement.Functions.Hosting;
using Engagement.Functions.Streaming;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Streaming;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: HTTP functions take HttpRequest and return IActionResult.
// Not also ConfigureFunctionsWorkerDefaults (AZFW0014).
builder.ConfigureFunctionsWebApplication();

// Typed, so that the calls into shared/ below are checked by tests/Engagement.Functions.Tests even on machines
// without the Functions packages (there, the builder's own type does not resolve).
IServiceCollection services = builder.Services;
IConfiguration configuration = builder.Configuration;

services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();

// In Azure the event stream is Event Hubs. Registered before AddEngagementInfrastructure, whose TryAdd of the
// self-hosted Storage-queue producer then leaves this one in place.
services.AddSingleton<EventHubProducerClient>(_ => EventHubStreamProducer.CreateClient(configuration));
services.AddSingleton<IEventStreamProducer, EventHubStreamProducer>();

services.AddEngagementInfrastructure(configuration);
services.AddHostedService<StorageBootstrap>();

builder.Build().Run();
