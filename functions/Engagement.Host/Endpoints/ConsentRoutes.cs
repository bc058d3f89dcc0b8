using Engagement.Infrastructure.Consent;

namespace Engagement.Host.Endpoints;

/// <summary>
/// The public consent endpoints browsers call: texts, the form script, a subject's status, decisions, the full-page
/// consent page, the double opt-in confirmation, and unsubscribing from campaign e-mails. Subject tokens and signed links take the place of the admin key.
/// </summary>
internal static class ConsentRoutes
{
    public static void MapConsentForms(this IEndpointRouteBuilder app)
    {
        app.MapGet("/consent/texts", (HttpRequest request, ConsentFormHttp form) => new ReplyResult(form.Texts(request)));
        app.MapGet("/consent/form.js", () => new ReplyResult(ConsentFormHttp.Script()));
        app.MapGet("/consent/status", async (HttpRequest request, ConsentFormHttp form, CancellationToken ct) =>
            new ReplyResult(await form.StatusAsync(request, ct)));
        app.MapGet("/consent/prompt", async (HttpRequest request, ConsentFormHttp form, Infrastructure.ConsentDrives.ConsentDriveForms drives, CancellationToken ct) =>
            new ReplyResult(await form.PromptAsync(request, drives, ct)));
        app.MapPost("/consent/decisions", async (HttpRequest request, ConsentFormHttp form, CancellationToken ct) =>
            new ReplyResult(await form.DecideAsync(request, ct)));
        foreach (var path in new[] { "/consent/texts", "/consent/status", "/consent/prompt", "/consent/decisions" })
        {
            app.MapMethods(path, ["OPTIONS"], (HttpRequest request, ConsentFormHttp form) => new ReplyResult(form.Preflight(request)));
        }

        app.MapGet("/consent/page", async (HttpRequest request, ConsentFormHttp form, CancellationToken ct) =>
            new ReplyResult(await form.PageAsync(request, ct)));
        app.MapPost("/consent/page", async (HttpRequest request, ConsentFormHttp form, CancellationToken ct) =>
            new ReplyResult(await form.PageSubmitAsync(request, ct)));
        app.MapGet("/consent/confirm", async (HttpRequest request, EmailConsentHttp email, CancellationToken ct) =>
            new ReplyResult(await email.ConfirmPageAsync(request, ct)));
        app.MapPost("/consent/confirm", async (HttpRequest request, EmailConsentHttp email, CancellationToken ct) =>
            new ReplyResult(await email.ConfirmAsync(request, ct)));
        app.MapGet("/unsubscribe", async (HttpRequest request, UnsubscribeHttp unsubscribe, CancellationToken ct) =>
            new ReplyResult(await unsubscribe.PageAsync(request, ct)));
        app.MapMethods("/unsubscribe", ["HEAD"], (HttpRequest request, UnsubscribeHttp unsubscribe) => new ReplyResult(unsubscribe.Head(request)));
        app.MapPost("/unsubscribe", async (HttpRequest request, UnsubscribeHttp unsubscribe, CancellationToken ct) =>
            new ReplyResult(await unsubscribe.SubmitAsync(request, ct)));
    }
}
