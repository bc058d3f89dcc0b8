using System.Text;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Email;

namespace Engagement.Infrastructure.Consent;

/// <summary>The double opt-in e-mail: the texts asked about, word for word, and the confirmation link, as HTML and as plain text.</summary>
internal static class ConsentEmail
{
    public static EmailMessage Compose(ConsentWording wording, string product, string to, IReadOnlyList<ConsentText> texts, string link, DateTimeOffset expiresAt, string messageId)
    {
        var e = ConsentPages.E;
        var validUntil = wording.Fill(wording.EmailValidUntil, product, expiresAt);
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"").Append(e(wording.Language)).Append("\"><head><meta charset=\"utf-8\"><title>")
            .Append(e(wording.Fill(wording.EmailSubject, product))).Append("</title></head>")
            .Append("<body style=\"margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a\">")
            .Append("<div style=\"max-width:560px;margin:0 auto;background:#ffffff;padding:24px;border-radius:6px\">")
            .Append("<p>").Append(e(wording.EmailGreeting)).Append("</p>")
            .Append("<p>").Append(e(wording.EmailIntro)).Append("</p>");
        foreach (var text in texts)
        {
            html.Append("<h2 style=\"font-size:17px;margin:20px 0 4px\">").Append(e(text.Title)).Append("</h2>")
                .Append("<p style=\"margin:0 0 12px\">").Append(e(text.Body)).Append("</p>");
        }

        html.Append("<p style=\"margin:24px 0\"><a href=\"").Append(e(link))
            .Append("\" style=\"display:inline-block;background:#1f4e8c;color:#ffffff;padding:12px 20px;border-radius:4px;text-decoration:none;font-weight:bold\">")
            .Append(e(wording.EmailButton)).Append("</a></p>")
            .Append("<p style=\"font-size:13px;color:#4a4a4a\">").Append(e(validUntil)).Append("<br>").Append(e(link)).Append("</p>")
            .Append("<p style=\"font-size:13px;color:#4a4a4a\">").Append(e(wording.EmailIgnore)).Append("</p>")
            .Append("<p style=\"font-size:13px;color:#4a4a4a\">").Append(e(product)).Append("</p>")
            .Append("</div></body></html>");

        var plain = new StringBuilder()
            .AppendLine(wording.EmailGreeting)
            .AppendLine()
            .AppendLine(wording.EmailIntro)
            .AppendLine();
        foreach (var text in texts)
        {
            plain.AppendLine(text.Title).AppendLine(text.Body).AppendLine();
        }

        plain.AppendLine(wording.EmailButton + ":")
            .AppendLine(link)
            .AppendLine(validUntil)
            .AppendLine()
            .AppendLine(wording.EmailIgnore)
            .AppendLine()
            .AppendLine(product);
        return new EmailMessage(to, wording.Fill(wording.EmailSubject, product), html.ToString(), plain.ToString(), messageId);
    }
}
