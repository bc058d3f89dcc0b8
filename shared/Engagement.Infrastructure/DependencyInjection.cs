using Azure.Identity;
using Azure.Storage.Queues;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ads;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Scheduling;
using Engagement.Infrastructure.Sources;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Engagement.Infrastructure.Tracking;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure;

/// <summary>Registers the adapters; both hosts call this and differ only in how triggers reach the services.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds storage clients, stores, ingestion, tracking intake and the self-hosted stream. A host whose stream is
    /// not the Storage queue registers its own <see cref="IEventStreamProducer"/> before calling this.
    /// </summary>
    public static IServiceCollection AddEngagementInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString) || !string.IsNullOrWhiteSpace(o.AccountName), "Set Storage:ConnectionString or Storage:AccountName.")
            .ValidateOnStart();
        services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Schedules>().BindConfiguration(Schedules.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Models.ModelOptions>().BindConfiguration(Models.ModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Models.ModelOptions>, Models.ModelOptionsValidator>();
        services.AddOptions<AdFeedOptions>().BindConfiguration(AdFeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        services.AddAzureClients(clients =>
        {
            // Fail within seconds when storage is down, so a tracking call is answered 503 while the client still waits.
            clients.ConfigureDefaults(o =>
            {
                o.Retry.MaxRetries = 3;
                o.Retry.Delay = TimeSpan.FromMilliseconds(400);
                o.Retry.MaxDelay = TimeSpan.FromSeconds(4);
                o.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            });
            if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
            {
                clients.AddTableServiceClient(storage.ConnectionString);
                clients.AddBlobServiceClient(storage.ConnectionString);
                clients.AddQueueServiceClient(storage.ConnectionString).ConfigureOptions(o => o.MessageEncoding = QueueMessageEncoding.Base64);
            }
            else if (!string.IsNullOrWhiteSpace(storage.AccountName))
            {
                clients.AddTableServiceClient(new Uri($"https://{storage.AccountName}.table.core.windows.net"));
                clients.AddBlobServiceClient(new Uri($"https://{storage.AccountName}.blob.core.windows.net"));
                clients.AddQueueServiceClient(new Uri($"https://{storage.AccountName}.queue.core.windows.net")).ConfigureOptions(o => o.MessageEncoding = QueueMessageEncoding.Base64);
                clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = storage.ManagedIdentityClientId }));
            }
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new Pseudonymizer(sp.GetRequiredService<IOptions<IngestionOptions>>().Value.PseudonymSecret));
        services.AddSingleton<EngagementStorage>();
        services.AddSingleton<DeadLetterStore>();
        services.AddSingleton<DeadLetterReplay>();
        services.AddSingleton<EventStore>();
        services.AddSingleton<ProfileStore>();
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<IngestionHandler>();
        services.AddSingleton<ProfileQuery>();
        services.AddSingleton<Journeys.JourneyStore>();
        services.AddOptions<Consent.ConsentOptions>().BindConfiguration(Consent.ConsentOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Consent.ConsentOptions>, Consent.ConsentOptionsValidator>();
        services.AddOptions<Email.EmailOptions>().BindConfiguration(Email.EmailOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Email.EmailOptions>, Email.EmailOptionsValidator>();
        services.AddSingleton<Email.EmailSender>();
        // Loaded once: the texts a deployment shows are fixed while it runs.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<Consent.ConsentOptions>>().Value.LoadTexts());
        services.AddSingleton(sp => new Core.Consent.ConsentTokenSigner(sp.GetRequiredService<IOptions<Consent.ConsentOptions>>().Value.FormSecret));
        services.AddSingleton<Consent.ConsentStore>();
        services.AddSingleton<Consent.ConsentRequestStore>();
        services.AddSingleton<Consent.ConsentHttp>();
        services.AddOptions<Contacts.ContactOptions>().BindConfiguration(Contacts.ContactOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Contacts.ContactStore>();
        services.AddSingleton<Contacts.ContactGate>();
        services.AddSingleton<Contacts.ContactHttp>();
        services.AddSingleton<Contacts.ContactImport>();
        services.AddOptions<Sms.SmsOptions>().BindConfiguration(Sms.SmsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(Sms.SmsSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<Sms.SmsHistory>();
        services.AddSingleton<Sms.SmsSender>();
        services.AddSingleton<Sms.SmsReplyHandler>();
        services.AddSingleton<Sms.CommunicationEvents>();
        services.AddSingleton<Sms.ConsentSmsHttp>();
        services.AddSingleton<Consent.ConsentFormHttp>();
        services.AddSingleton<Consent.EmailConsentHttp>();
        services.AddSingleton<Consent.UnsubscribeLinks>();
        services.AddSingleton<Consent.UnsubscribeHttp>();
        services.AddOptions<Campaigns.CampaignTrackingOptions>().BindConfiguration(Campaigns.CampaignTrackingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Campaigns.CampaignTrackingOptions>, Campaigns.CampaignTrackingOptionsValidator>();
        services.AddSingleton<Campaigns.CampaignTracking>();
        services.AddSingleton<Campaigns.TrackingLinks>();
        services.AddSingleton<Campaigns.CampaignSendLedger>();
        services.AddOptions<Campaigns.CampaignDeliveryOptions>().BindConfiguration(Campaigns.CampaignDeliveryOptions.SectionName).ValidateDataAnnotations()
            .Validate(
                o => o.FrequencyCap.MaxPerDay is >= 0 and <= 1_000 && o.FrequencyCap.MaxPerWeek is >= 0 and <= 1_000 && o.FrequencyCap.Cap().Problem() is null,
                "Campaigns:FrequencyCap:MaxPerDay and MaxPerWeek are 0 (no cap) to 1000, the daily cap not above the weekly one.")
            .ValidateOnStart();
        services.AddSingleton<Campaigns.CampaignFrequencyStore>();
        services.AddSingleton<Email.SmtpRelayPool>();
        services.AddHttpClient(Email.CommunicationServicesEmail.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<Email.CommunicationServicesEmail>();
        services.AddSingleton<Email.ICampaignMailTransport>(sp => sp.GetRequiredService<IOptions<Email.EmailOptions>>().Value.Transport == Email.EmailTransport.CommunicationServices
            ? sp.GetRequiredService<Email.CommunicationServicesEmail>()
            : sp.GetRequiredService<Email.SmtpRelayPool>());
        services.AddSingleton<Campaigns.CampaignAudience>();
        services.AddSingleton<Campaigns.CampaignDelivery>();
        services.AddSingleton<Campaigns.CampaignTrackingHttp>();
        services.AddOptions<Campaigns.DeliveryReportOptions>().BindConfiguration(Campaigns.DeliveryReportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Campaigns.EmailDeliveryEvents>();
        services.AddSingleton<Campaigns.CampaignFigures>();
        services.AddSingleton<Campaigns.CampaignReportHttp>();
        services.AddSingleton<Subjects.SubjectRights>();
        services.AddOptions<Journeys.RetentionOptions>().BindConfiguration(Journeys.RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Journeys.EventRetention>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<Journeys.EventRetention>());
        services.AddSingleton<Subjects.SubjectHttp>();
        services.AddSingleton<Templates.TemplateStore>();
        services.AddSingleton<Templates.TemplatePersonalisation>();
        services.AddSingleton<Templates.TemplateHttp>();
        services.AddOptions<Journeys.InterestRulesOptions>().BindConfiguration(Journeys.InterestRulesOptions.SectionName);
        services.AddOptions<Core.Interests.InterestScorerOptions>().BindConfiguration(Core.Interests.InterestScorerOptions.SectionName)
            .Validate(o => o.Validate().Count == 0, "Interests settings are invalid (HalfLife > 0, MaxEvidence ≥ 1, 0 ≤ MinScore < 1, HalfScoreEvidence > 0).")
            .ValidateOnStart();
        services.AddSingleton(sp => new Core.Interests.InterestScorer(
            sp.GetRequiredService<IOptions<Journeys.InterestRulesOptions>>().Value.LoadTaxonomy(),
            sp.GetRequiredService<IOptions<Core.Interests.InterestScorerOptions>>().Value));
        services.AddSingleton<Journeys.JourneyInterests>();
        services.AddSingleton(sp => new Core.Interests.IntentDetector(sp.GetRequiredService<IOptions<Journeys.InterestRulesOptions>>().Value.LoadIntentRules()));
        services.AddSingleton<Models.ProfileInsightsBuilder>();
        services.AddSingleton<Models.ModelRegistry>();
        services.AddSingleton<Models.ModelTraining>();
        services.AddSingleton<Models.ScorePublisher>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<Models.ModelTraining>());
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<Models.ScorePublisher>());
        services.AddOptions<Workflows.WorkflowOptions>().BindConfiguration(Workflows.WorkflowOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Workflows.WorkflowCatalog>();
        services.AddSingleton<Workflows.WorkflowEngine>();
        services.TryAddSingleton<Workflows.IWorkflowRuntime>(sp => sp.GetRequiredService<Workflows.WorkflowEngine>());
        services.AddSingleton<Workflows.WorkflowHttp>();
        services.AddSingleton<Workflows.WorkflowQueueWorker>();
        services.AddSingleton<ConsentDrives.ConsentDriveStore>();
        services.AddSingleton<ConsentDrives.ConsentDriveHttp>();
        services.AddSingleton<ConsentDrives.ConsentDriveForms>();
        services.AddSingleton<ConsentDrives.DriveAudienceReader>();
        services.AddSingleton<ConsentDrives.DriveOutreach>();
        services.AddWorkflow<Core.ConsentDrives.ConsentDriveInput, Core.ConsentDrives.ConsentDriveState, Core.ConsentDrives.ConsentDrive>();
        services.AddWorkflowActivity<ConsentDrives.DriveMeasureActivity>();
        services.AddWorkflowActivity<ConsentDrives.DriveFormsActivity>();
        services.AddWorkflowActivity<ConsentDrives.DriveWaveActivity>();
        services.AddWorkflowActivity<ConsentDrives.DriveCallListActivity>();
        services.AddWorkflowActivity<ConsentDrives.DriveReactivationActivity>();
        services.AddOptions<Campaigns.CampaignRunOptions>().BindConfiguration(Campaigns.CampaignRunOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Campaigns.CampaignRunStore>();
        services.AddSingleton<Campaigns.EngagementHours>();
        services.AddSingleton<Campaigns.CampaignHttp>();
        services.AddWorkflow<Core.Campaigns.CampaignInput, Core.Campaigns.CampaignState, Core.Campaigns.CampaignDecider>();
        services.AddWorkflowActivity<Campaigns.ResolveAudienceActivity>();
        services.AddWorkflowActivity<Campaigns.PlanStepActivity>();
        services.AddWorkflowActivity<Campaigns.SendSlotActivity>();
        services.AddWorkflowActivity<Campaigns.MeasureCampaignActivity>();
        services.AddWorkflowActivity<Campaigns.KeepCampaignReportActivity>();
        services.AddOptions<Triggers.TriggerOptions>().BindConfiguration(Triggers.TriggerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Triggers.TriggerStore>();
        services.AddSingleton<Triggers.TriggerCatalog>();
        services.AddSingleton<Triggers.TriggerRunLog>();
        services.AddSingleton<Triggers.TriggerSignalSender>();
        services.AddSingleton<Triggers.IngestionTriggerSignals>();
        services.AddSingleton<Triggers.TriggerSignalHandler>();
        services.AddSingleton<Triggers.TriggerSignalWorker>();
        services.AddSingleton<Triggers.TriggerHttp>();
        services.AddSingleton<Triggers.BirthdayTriggerScan>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<Triggers.BirthdayTriggerScan>());
        services.AddSingleton<Triggers.IntentTriggerSignals>();
        services.AddSingleton<Models.IScoreObserver>(sp => sp.GetRequiredService<Triggers.IntentTriggerSignals>());
        services.AddWorkflow<Core.Triggers.TriggeredEmailInput, Core.Triggers.TriggeredEmailState, Core.Triggers.TriggeredEmail>();
        services.AddWorkflowActivity<Triggers.TriggerSendActivity>();
        services.AddWorkflowActivity<Triggers.TriggerRecordActivity>();
        services.AddSingleton<Segments.SegmentStore>();
        services.AddSingleton<Segments.SegmentAudience>();
        services.AddSingleton<Segments.SegmentHttp>();
        services.AddSingleton<StreamDelivery>();
        services.AddSingleton<QueueStreamConsumer>();
        services.AddSingleton<SourceRegistry>();
        services.AddSingleton<TrackingIntake>();
        services.AddSingleton<BrowserSettings>();
        services.AddSingleton<Http.TrackingHttp>();
        services.AddSingleton<HealthProbe>();
        services.AddSingleton<AdImporter>();
        services.AddSingleton<StreamPayloadCleanup>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<StreamPayloadCleanup>());
        services.AddSingleton<ClaimCheckEncoder>();
        services.TryAddSingleton<IEventStreamProducer, QueueEventStreamProducer>();
        return services;
    }
}

/// <summary>Registers workflow types and activities.</summary>
public static class WorkflowRegistration
{
    /// <summary>Adds a workflow type driven by <typeparamref name="TDecider"/>.</summary>
    public static IServiceCollection AddWorkflow<TInput, TState, TDecider>(this IServiceCollection services)
        where TDecider : class, Core.Workflows.IDecider<TInput, TState>
    {
        services.AddSingleton<TDecider>();
        services.AddSingleton<Workflows.IWorkflowDefinition>(sp => new Workflows.WorkflowDefinition<TInput, TState>(sp.GetRequiredService<TDecider>()));
        return services;
    }

    /// <summary>Adds an activity that runs workflow commands.</summary>
    public static IServiceCollection AddWorkflowActivity<TActivity>(this IServiceCollection services)
        where TActivity : class, Workflows.IWorkflowActivity
    {
        services.AddSingleton<TActivity>();
        services.AddSingleton<Workflows.IWorkflowActivity>(sp => sp.GetRequiredService<TActivity>());
        return services;
    }
}

/// <summary>The ad-server feed.</summary>
public sealed class AdFeedOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "AdFeed";

    /// <summary>The source name ad records are attributed to.</summary>
    [System.ComponentModel.DataAnnotations.Required]
    public string SourceId { get; set; } = "ad-server";
}
