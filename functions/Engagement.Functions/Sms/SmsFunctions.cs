using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Sms;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Sms;

/// <summary>
/// SMS consent: <c>POST /api/consent-requests/sms</c> (function key and admin key) sends a consent request SMS;
/// <c>SmsReceived</c> takes Communication Services events from the Event Grid subscription (infra-bicep): received SMS,
/// e-mail delivery reports and e-mail engagement reports, and hands them to the same handler the self-hosted webhook
/// uses (the name stays, so the subscription deployed before e-mail events came keeps pointing at it); <c>POST /api/events/communication</c> is that webhook here
/// too (function key and <c>?key=</c>), for an Event Grid subscription to a webhook instead of the function.
/// </summary>
public sealed class SmsFunctions(ConsentSmsHttp consentRequests, CommunicationEvents events, IOptions<AdminOptions> admin)
{
    [Function("SendConsentSms")]
    public async Task<IActionResult> SendConsentRequestAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/consent-requests/sms")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await consentRequests.SendAsync(req.Body, req.HttpContext.RequestAborted));

    // Bound as string (the event's JSON, Event Grid schema): the same parser as the webhook reads it. A storage
    // fault throws, and Event Grid delivers the event again; every step is idempotent by the SMS id or the event id.
    [Function("SmsReceived")]
    public async Task ReceivedAsync([EventGridTrigger] string eventJson, CancellationToken cancellationToken) =>
        await events.HandleAsync(eventJson, cancellationToken);

    [Function("CommunicationEventsWebhook")]
    public async Task<IActionResult> WebhookAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/events/communication")] HttpRequest req) =>
        new ReplyResult(await events.ReceiveAsync(req.Body, req.Query["key"], req.Headers[CommunicationEvents.EventTypeHeader], req.HttpContext.RequestAborted));
}
