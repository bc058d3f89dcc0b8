using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Sms;

namespace Engagement.Host.Endpoints;

/// <summary>Contacts, suppressions and SMS consent: the management calls (admin key) and the Event Grid webhook (its own key).</summary>
internal static class ContactRoutes
{
    public static void MapContacts(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(ManagementRoutes.RequireAdminKeyAsync);
        api.MapPut("/contacts/{subject}", async (string subject, HttpRequest request, ContactHttp contacts, CancellationToken ct) =>
            new ReplyResult(await contacts.PutAsync(subject, request.Body, request.Headers.IfMatch, ct)));
        api.MapGet("/contacts/{subject}", async (string subject, ContactHttp contacts, CancellationToken ct) =>
            new ReplyResult(await contacts.GetAsync(subject, ct)));
        api.MapPost("/contacts/{subject}/suppressions", async (string subject, HttpRequest request, ContactHttp contacts, CancellationToken ct) =>
            new ReplyResult(await contacts.SuppressAsync(subject, request.Body, ct)));
        api.MapDelete("/contacts/{subject}/suppressions/{channel}", async (string subject, string channel, HttpRequest request, ContactHttp contacts, CancellationToken ct) =>
            new ReplyResult(await contacts.LiftAsync(subject, channel, request.Query["note"], ct)));
        api.MapPost("/consent-requests/sms", async (HttpRequest request, ConsentSmsHttp requests, CancellationToken ct) =>
            new ReplyResult(await requests.SendAsync(request.Body, ct)));

        // Event Grid cannot send headers: the webhook is authenticated by ?key= (Sms:WebhookKey), not the admin key.
        app.MapPost("/api/events/communication", async (HttpRequest request, CommunicationEvents events, CancellationToken ct) =>
            new ReplyResult(await events.ReceiveAsync(request.Body, request.Query["key"], request.Headers[CommunicationEvents.EventTypeHeader], ct)));
    }
}
