using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Consent;

/// <summary>One consent text on a page, with the subject's current decision.</summary>
/// <param name="Reference">The text's reference, <c>textId|version|language|sha256</c>.</param>
/// <param name="Title">Its title.</param>
/// <param name="Body">Its wording.</param>
/// <param name="Granted">Whether the purpose is currently granted (the box starts ticked).</param>
/// <param name="StatusText">The current decision in words.</param>
internal sealed record PageItem(string Reference, string Title, string Body, bool Granted, string StatusText);

/// <summary>
/// The server-rendered consent pages: the full-page consent form (works without script; <c>/consent/form.js</c>
/// enhances it), the double opt-in confirmation page, and message pages. Plain HTML, every value encoded, one small
/// stylesheet allowed by its hash, no third-party content, never cached, and no referrer (the address carries a token).
/// </summary>
internal static class ConsentPages
{
    private const string Style =
        "body{margin:0;background:#f4f5f7;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}" +
        "main{max-width:40rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem;box-shadow:0 .1rem .5rem rgba(0,0,0,.1)}" +
        "h1{font-size:1.6rem;margin-top:0}" +
        ".e360c-item{border-top:1px solid #ddd;padding:.75rem 0}" +
        ".e360c-item label{font-weight:600;margin-left:.4rem;cursor:pointer}" +
        ".e360c-item input{width:1.2rem;height:1.2rem;vertical-align:middle;cursor:pointer}" +
        ".e360c-body{margin:.3rem 0 0 1.6rem}" +
        ".e360c-status{margin:.2rem 0 0 1.6rem;font-size:.9rem;color:#4a4a4a}" +
        ".e360c-text{border-top:1px solid #ddd;padding:.5rem 0}" +
        ".e360c-text h2{font-size:1.1rem;margin:.25rem 0}" +
        ".e360c-hint{font-size:.9rem;color:#4a4a4a}" +
        ".e360c-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}" +
        ".e360c-actions button,a.e360c-button{flex:1 1 10rem;font:inherit;padding:.6rem 1rem;border-radius:.3rem;border:2px solid #1f4e8c;background:#fff;color:#1f4e8c;cursor:pointer;text-align:center;text-decoration:none}" +
        ".e360c-actions .e360c-primary{background:#1f4e8c;color:#fff}" +
        "button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #f0a000;outline-offset:2px}" +
        ".e360c-message{min-height:1.5em;font-weight:600}" +
        ".e360c-error{color:#a00000}" +
        "fieldset{border:0;padding:0;margin:0}";

    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);
    private static readonly string StyleHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)));

    /// <summary>The full-page consent form.</summary>
    public static ReplyShape Form(int status, ConsentWording wording, string product, string token, string? returnTo, string requestId, IReadOnlyList<PageItem> items, string? message = null, bool error = false)
    {
        var body = new StringBuilder();
        body.Append("<h1 id=\"e360c-title\">").Append(E(wording.Title)).Append("</h1>");
        body.Append("<p id=\"e360c-intro\">").Append(E(wording.Fill(wording.Intro, product))).Append("</p>");
        body.Append("<form method=\"post\" action=\"/consent/page\" data-e360-consent=\"page\" aria-labelledby=\"e360c-title\" aria-describedby=\"e360c-intro\"")
            .Append(" data-saved=\"").Append(E(wording.Saved)).Append("\" data-failed=\"").Append(E(wording.Failed))
            .Append("\" data-expired=\"").Append(E(wording.FormExpired)).Append("\">");
        Hidden(body, "token", token);
        Hidden(body, "lang", wording.Language);
        Hidden(body, "return", returnTo ?? string.Empty);
        Hidden(body, "requestId", requestId);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var id = $"e360c-item-{i}";
            body.Append("<div class=\"e360c-item\">");
            Hidden(body, "shown", item.Reference);
            body.Append("<input type=\"checkbox\" id=\"").Append(id).Append("\" name=\"granted\" value=\"").Append(E(item.Reference))
                .Append("\" aria-describedby=\"").Append(id).Append("-body ").Append(id).Append("-status\"").Append(item.Granted ? " checked" : string.Empty).Append('>');
            body.Append("<label for=\"").Append(id).Append("\">").Append(E(item.Title)).Append("</label>");
            body.Append("<p id=\"").Append(id).Append("-body\" class=\"e360c-body\">").Append(E(item.Body)).Append("</p>");
            body.Append("<p id=\"").Append(id).Append("-status\" class=\"e360c-status\">").Append(E(item.StatusText)).Append("</p>");
            body.Append("</div>");
        }

        body.Append("<p class=\"e360c-hint\">").Append(E(wording.WithdrawHint)).Append("</p>");
        body.Append("<div class=\"e360c-actions\">")
            .Append("<button type=\"submit\" name=\"action\" value=\"decline-all\">").Append(E(wording.DeclineAll)).Append("</button>")
            .Append("<button type=\"submit\" name=\"action\" value=\"save\">").Append(E(wording.Save)).Append("</button>")
            .Append("<button type=\"submit\" name=\"action\" value=\"accept-all\" class=\"e360c-primary\">").Append(E(wording.AcceptAll)).Append("</button>")
            .Append("</div>");
        body.Append("<p role=\"status\" aria-live=\"polite\" class=\"e360c-message").Append(error ? " e360c-error" : string.Empty).Append("\">")
            .Append(E(message ?? string.Empty)).Append("</p>");
        body.Append("</form>");
        return Document(status, wording.Language, wording.Fill(wording.Title, product) + " – " + product, body.ToString(), withScript: true);
    }

    /// <summary>The double opt-in confirmation page: the texts and one button that posts the token.</summary>
    public static ReplyShape Confirmation(ConsentWording wording, string product, string token, IReadOnlyList<(string Title, string Body)> texts)
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(E(wording.ConfirmTitle)).Append("</h1>");
        body.Append("<p>").Append(E(wording.ConfirmIntro)).Append("</p>");
        AppendTexts(body, texts);
        body.Append("<form method=\"post\" action=\"/consent/confirm\">");
        Hidden(body, "t", token);
        body.Append("<div class=\"e360c-actions\"><button type=\"submit\" class=\"e360c-primary\">").Append(E(wording.ConfirmButton)).Append("</button></div>");
        body.Append("</form>");
        return Document(200, wording.Language, wording.ConfirmTitle + " – " + product, body.ToString(), withScript: false);
    }

    /// <summary>
    /// The unsubscribe page: each e-mail purpose with its current status and a box (ticked: unsubscribe), a button for
    /// everything and one for the ticked purposes; the form posts the token back, so opening the page changes nothing.
    /// </summary>
    public static ReplyShape Unsubscribe(UnsubscribeWording wording, string product, string token, IReadOnlyList<(string Purpose, string Title, string StatusText, bool Ticked)> purposes)
    {
        var body = new StringBuilder();
        body.Append("<h1 id=\"e360u-title\">").Append(E(wording.Title)).Append("</h1>");
        body.Append("<p id=\"e360u-intro\">").Append(E(wording.Intro.Replace("{product}", product, StringComparison.Ordinal))).Append("</p>");
        body.Append("<form method=\"post\" action=\"/unsubscribe\" aria-labelledby=\"e360u-title\" aria-describedby=\"e360u-intro\">");
        Hidden(body, "t", token);
        Hidden(body, "lang", wording.Language);
        body.Append("<fieldset><legend class=\"e360c-hint\">").Append(E(wording.BoxHint)).Append("</legend>");
        for (var i = 0; i < purposes.Count; i++)
        {
            var (purpose, title, status, ticked) = purposes[i];
            var id = $"e360u-item-{i}";
            body.Append("<div class=\"e360c-item\">");
            body.Append("<input type=\"checkbox\" id=\"").Append(id).Append("\" name=\"purpose\" value=\"").Append(E(purpose))
                .Append("\" aria-describedby=\"").Append(id).Append("-status\"").Append(ticked ? " checked" : string.Empty).Append('>');
            body.Append("<label for=\"").Append(id).Append("\">").Append(E(title)).Append("</label>");
            body.Append("<p id=\"").Append(id).Append("-status\" class=\"e360c-status\">").Append(E(status)).Append("</p>");
            body.Append("</div>");
        }

        body.Append("</fieldset><div class=\"e360c-actions\">")
            .Append("<button type=\"submit\" name=\"action\" value=\"save\">").Append(E(wording.Save)).Append("</button>")
            .Append("<button type=\"submit\" name=\"action\" value=\"all\" class=\"e360c-primary\">").Append(E(wording.All)).Append("</button>")
            .Append("</div></form>");
        return Document(200, wording.Language, wording.Title + " – " + product, body.ToString(), withScript: false);
    }

    /// <summary>A page that says one thing: saved, confirmed, expired, not valid; with the texts concerned and a way on, when there are.</summary>
    public static ReplyShape Message(int status, string language, string product, string heading, string text, IReadOnlyList<(string Title, string Body)>? texts = null, (string Label, string Href)? next = null)
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(E(heading)).Append("</h1>");
        body.Append("<p role=\"status\">").Append(E(text)).Append("</p>");
        if (texts is not null)
        {
            AppendTexts(body, texts);
        }

        if (next is { } link)
        {
            body.Append("<div class=\"e360c-actions\"><a class=\"e360c-button e360c-primary\" href=\"").Append(E(link.Href)).Append("\">").Append(E(link.Label)).Append("</a></div>");
        }

        return Document(status, language, heading + " – " + product, body.ToString(), withScript: false);
    }

    /// <summary>Text encoded for HTML.</summary>
    public static string E(string text) => Html.Encode(text);

    private static void AppendTexts(StringBuilder body, IReadOnlyList<(string Title, string Body)> texts)
    {
        foreach (var (title, text) in texts)
        {
            body.Append("<section class=\"e360c-text\"><h2>").Append(E(title)).Append("</h2><p>").Append(E(text)).Append("</p></section>");
        }
    }

    private static void Hidden(StringBuilder body, string name, string value) =>
        body.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(E(value)).Append("\">");

    private static ReplyShape Document(int status, string language, string title, string body, bool withScript)
    {
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"").Append(E(language)).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">")
            .Append("<title>").Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body><main>")
            .Append(body)
            .Append("</main>")
            .Append(withScript ? "<script src=\"/consent/form.js\" defer></script>" : string.Empty)
            .Append("</body></html>");
        return new ReplyShape(status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html.ToString()), PageHeaders);
    }

    private static readonly IReadOnlyList<KeyValuePair<string, string>> PageHeaders =
    [
        KeyValuePair.Create("Content-Security-Policy",
            $"default-src 'none'; style-src 'sha256-{StyleHash}'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"),
        KeyValuePair.Create("Cache-Control", "no-store"),
        KeyValuePair.Create("Referrer-Policy", "no-referrer"),
        KeyValuePair.Create("X-Content-Type-Options", "nosniff"),
    ];
}
