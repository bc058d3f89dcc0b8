using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Templates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>What a variant sends.</summary>
/// <param name="TemplateId">The saved template.</param>
/// <param name="Subject">A subject line (Liquid, like the template's) that replaces the template's, e.g. for a reminder.</param>
public sealed record DeliveryVariant(string TemplateId, string? Subject = null);

/// <summary>One recipient of a batch.</summary>
/// <param name="SubjectKey">Their pseudonymous subject key.</param>
/// <param name="Email">Their address when the audience was resolved (the contact's current address is used when it changed since).</param>
/// <param name="Variant">The variant they get.</param>
/// <param name="Name">Their name for the To header, if known.</param>
public sealed record DeliveryRecipient(string SubjectKey, string Email, string Variant, string? Name = null);

/// <summary>A batch of one campaign step to send.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step (test, main, reminder …).</param>
/// <param name="Purpose">The consent purpose the e-mail is sent for (<c>marketing</c>).</param>
/// <param name="Sender">Who it comes from.</param>
/// <param name="Variants">Each variant's template.</param>
/// <param name="Recipients">Who gets it.</param>
/// <param name="PublicBaseUrl">Where recipients reach this deployment (tracking, unsubscribe and preference links).</param>
/// <param name="MaxPerSecond">The campaign's own throughput limit; null: only the deployment's.</param>
/// <param name="CampaignName">The campaign's name as templates show it; null: the id.</param>
/// <param name="FrequencyCap">The campaign's frequency cap; null: the configured one.</param>
/// <param name="Claimant">
/// Who claims the batch's sends, e.g. the workflow command sending it: a claim this claimant left behind (it stopped
/// midway and runs again) is its own to send at once, without waiting out the lease. Null: nobody in particular.
/// </param>
public sealed record DeliveryBatch(
    string CampaignId,
    string Step,
    string Purpose,
    CampaignSender Sender,
    IReadOnlyDictionary<string, DeliveryVariant> Variants,
    IReadOnlyList<DeliveryRecipient> Recipients,
    Uri PublicBaseUrl,
    double? MaxPerSecond = null,
    string? CampaignName = null,
    FrequencyCap? FrequencyCap = null,
    string? Claimant = null);

/// <summary>A recipient not sent to, and why.</summary>
/// <param name="SubjectKey">The recipient.</param>
/// <param name="Reason">The relay's reply, a template failure, or an exclusion code.</param>
public sealed record DeliveryOutcome(string SubjectKey, string Reason);

/// <summary>What a batch did.</summary>
/// <param name="Sent">Messages the relay took.</param>
/// <param name="Resent">Of those, messages sent again under the same Message-ID after taking over a stopped sender's claim.</param>
/// <param name="Skipped">Recipients already sent, failed, excluded or being sent by another sender: nothing done.</param>
/// <param name="Failed">Refused for good (a 5xx reply, a template that cannot render for them), recorded and never retried.</param>
/// <param name="Excluded">Left out at the moment of sending (consent, suppression or frequency cap changed since the audience was resolved).</param>
public sealed record DeliveryResult(int Sent, int Resent, int Skipped, IReadOnlyList<DeliveryOutcome> Failed, IReadOnlyList<DeliveryOutcome> Excluded)
{
    /// <summary>The recipients whose messages the relay took in this batch.</summary>
    public IReadOnlyList<string> SentTo { get; init; } = [];

    /// <summary>
    /// The recipients this batch did nothing for (already sent, failed or excluded, or being sent by another sender):
    /// only the ledger says where they stand.
    /// </summary>
    public IReadOnlyList<string> SkippedOnes { get; init; } = [];

    /// <summary>What the ledger held for each skipped recipient when the batch ended (null: no record, e.g. erased since).</summary>
    public IReadOnlyDictionary<string, SendRecord?> SkippedRecords { get; init; } = new Dictionary<string, SendRecord?>();
}

/// <summary>
/// Sends one batch of a campaign step, each recipient exactly once as far as SMTP allows: claims the batch in the
/// ledger slice by slice (one transaction each), decides each recipient again with the contact gate and the frequency
/// cap (consent can change between the audience and the send) from bulk reads of the slice's cards, consent ledger and
/// week of sends made while it is claimed, renders each message (personalised, links tracked, unsubscribe link and
/// List-Unsubscribe headers, the send's own Message-ID) while earlier slices go out, hands it to the relay through the
/// connection pool at the allowed rate, and marks it sent in batches as the relay takes them (the window between the
/// relay's 250 and the mark is where a crash could send again, under the same Message-ID; it stays some 50
/// milliseconds wide). A fault the retries cannot overcome stops the batch: claims not yet sent are given back and the
/// fault surfaces, so the workflow activity retries, and the retry skips what went out.
/// </summary>
public sealed partial class CampaignDelivery(
    CampaignSendLedger ledger,
    ContactGate gate,
    CampaignFrequencyStore frequency,
    TemplateStore templates,
    TemplatePersonalisation personalisation,
    TrackingLinks trackingLinks,
    CampaignTracking tracking,
    UnsubscribeLinks unsubscribeLinks,
    ICampaignMailTransport relay,
    IOptions<CampaignDeliveryOptions> options,
    ILogger<CampaignDelivery> logger,
    TimeProvider clock)
{
    // Marks go out as soon as one is waiting, up to one transaction's worth at a time.
    private const int MarkBatch = 100;

    // A mark waits this long for others to share its transaction (unless the batch is ending): the window in which a
    // crash could send a message again under the same Message-ID stays this narrow, and marking costs a transaction per
    // ledger partition (a campaign has 16) per hundred messages instead of one per handful.
    private static readonly TimeSpan MarkLinger = TimeSpan.FromMilliseconds(50);

    // Frequency records wait for a transaction's worth, or this long, before they are written.
    private static readonly TimeSpan FrequencyRecordDelay = TimeSpan.FromSeconds(1);

    // How far back a send found made by an earlier attempt is still recorded for the frequency cap (its longest window
    // is a week; a day more covers a clock's or a time zone's edge).
    private static readonly TimeSpan FrequencyCatchUp = TimeSpan.FromDays(8);

    // Recipients claimed and checked together: their reads are one range query per table whatever their number (up to a
    // page), their claims a transaction per hundred; the first slice is small so that sending starts sooner.
    private const int SliceSize = 250;
    private const int FirstSliceSize = 8;

    // Checked slices rendering ahead of the connections at once.
    private const int RenderAhead = 2;

    // Rendered messages waiting for a connection: this many per connection, and at least the minimum.
    private const int RenderedPerConnection = 8;
    private const int MinRenderedWaiting = 32;

    /// <summary>Sends a batch; see the type's summary. Invalid input throws <see cref="ArgumentException"/>.</summary>
    public async Task<DeliveryResult> SendAsync(DeliveryBatch batch, CancellationToken cancellationToken = default)
    {
        Validate(batch);
        if (!relay.IsConfigured)
        {
            throw new InvalidOperationException("Campaign e-mail is not configured: set Email:From and Email:Smtp:Host (or Email:Transport CommunicationServices with Email:CommunicationServices:ConnectionString).");
        }

        var run = new DeliveryRun(batch, await TemplatesAsync(batch, cancellationToken), batch.Recipients.DistinctBy(r => r.SubjectKey, StringComparer.Ordinal).ToList());
        Exception? fault = null;
        try
        {
            await RunAsync(run, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The relay, storage or the caller stopped the batch: whatever it was, what was not sent is given back.
            fault = ex;
        }

        // Claims the relay never answered go back, so the retry claims them afresh instead of waiting out the lease.
        var unanswered = run.Unanswered();
        if (unanswered.Count > 0)
        {
            await ledger.ReleaseAsync(batch.CampaignId, batch.Step, unanswered, CancellationToken.None);
        }

        if (fault is not null)
        {
            LogStopped(logger, batch.CampaignId, batch.Step, run.SentCount, unanswered.Count, fault.Message);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fault).Throw();
        }

        var skipped = await SkippedRecordsAsync(run, cancellationToken);
        return new DeliveryResult(run.SentCount, run.ResentCount, run.Skipped, run.Failures, run.Excluded) { SentTo = run.SentTo, SkippedOnes = run.SkippedOnes, SkippedRecords = skipped };
    }

    // The recipients the batch skipped, read back from the ledger. A send an earlier attempt made and marked but stopped
    // before recording for the frequency cap (those records trail the marks by up to a second) is recorded now: the
    // record is keyed by the send, so writing it again changes nothing, and a cap never misses a message of a crash.
    private async Task<IReadOnlyDictionary<string, SendRecord?>> SkippedRecordsAsync(DeliveryRun run, CancellationToken cancellationToken)
    {
        var keys = run.SkippedOnes;
        if (keys.Count == 0)
        {
            return new Dictionary<string, SendRecord?>();
        }

        var batch = run.Batch;
        var read = await Task.WhenAll(keys.Select(k => ledger.FindAsync(batch.CampaignId, batch.Step, k, cancellationToken)));
        var since = clock.GetUtcNow() - FrequencyCatchUp;
        var uncounted = read.OfType<SendRecord>()
            .Where(r => r.Status == SendStatus.Sent && r.At >= since)
            .Select(r => new FrequencySend(r.SubjectKey, batch.CampaignId, batch.Step, r.At))
            .ToList();
        if (uncounted.Count > 0)
        {
            await frequency.RecordAsync(uncounted, cancellationToken);
        }

        return keys.Zip(read).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    // A slice of the batch claimed and decided again, while earlier slices render and are sent: what it sends, and the
    // recording of whom it leaves out.
    private async Task<CheckedSlice?> CheckAsync(DeliveryRun run, DeliveryRecipient[] slice, CancellationToken cancellationToken)
    {
        var batch = run.Batch;
        var planned = slice
            .Select(r => new PlannedSend(r.SubjectKey, r.Variant, new CampaignMessageId(batch.CampaignId, batch.Step, r.Variant, r.SubjectKey).Format(run.Domain)))
            .ToList();
        // A service that recognises a repeated send only for a while must see a stopped sender's claim taken over within it.
        var lease = relay.RepeatWindow is { } window && window - TimeSpan.FromMinutes(1) < options.Value.ClaimLease() ? window - TimeSpan.FromMinutes(1) : options.Value.ClaimLease();
        // The slice's contact cards, consent ledger, week of sends and profile links are read while it is claimed: the
        // decision still comes after the claim and before the send, and the first messages leave a round trip sooner.
        var keys = slice.Select(r => r.SubjectKey).ToList();
        var claiming = ledger.ClaimAsync(batch.CampaignId, batch.Step, planned, lease, batch.Claimant, cancellationToken);
        var checking = ReadChecksAsync(batch, keys, cancellationToken);
        var profilesRead = personalisation.WithProfilesAsync(keys, cancellationToken);
        try
        {
            await Task.WhenAll(claiming, checking, profilesRead);
        }
        finally
        {
            // Claims made while a read failed are the batch's all the same, to be given back when it stops.
            if (claiming.IsCompletedSuccessfully)
            {
                run.Claimed(slice, claiming.Result);
            }
        }

        var claims = await claiming;
        if (claims.Count == 0)
        {
            return null;
        }

        var (toSend, excluded) = Recheck(batch, await checking, claims, slice);
        // Recorded while the slice renders; the batch does not end before it is.
        var excluding = excluded.Count == 0
            ? Task.CompletedTask
            : ledger.MarkExcludedAsync(batch.CampaignId, batch.Step, excluded.Select(e => (e.SubjectKey, e.Reason)), cancellationToken);
        return new CheckedSlice(toSend, excluded, await profilesRead, excluding);
    }

    // A checked slice rendered into the senders' queue (waiting while the queue is full).
    private async Task RenderSliceAsync(DeliveryRun run, CheckedSlice slice, ChannelWriter<Outgoing> rendered, ChannelWriter<Mark> marks, CancellationToken cancellationToken)
    {
        var (toSend, excluded, withProfiles, excluding) = slice;
        // Rendering waits mostly on storage (the profile, the activity): many at once keep the connections fed.
        var rendering = Parallel.ForEachAsync(toSend, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(16, relay.Connections * 4), CancellationToken = cancellationToken }, async (pending, token) =>
        {
            var outgoing = await RenderAsync(run, pending, withProfiles.Contains(pending.Claim.Send.SubjectKey), token);
            if (outgoing.Failure is not null)
            {
                run.Answered.Add(pending.Claim.Send.SubjectKey);
                marks.TryWrite(new Mark(pending.Claim.Send.SubjectKey, false, outgoing.Failure, default));
                return;
            }

            await rendered.WriteAsync(outgoing, token);
        });
        try
        {
            await Task.WhenAll(excluding, rendering);
        }
        finally
        {
            if (excluded.Count > 0 && excluding.IsCompletedSuccessfully)
            {
                run.Exclude(excluded);
            }
        }
    }

    private async Task<SliceChecks> ReadChecksAsync(DeliveryBatch batch, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cap = batch.FrequencyCap ?? options.Value.FrequencyCap.Cap();
        // The cards, the consent ledger and the week's sends of the slice, read side by side.
        var historyRead = cap == FrequencyCap.None ? Task.FromResult(new FrequencyHistory()) : frequency.ReadWeekOfAsync(keys, now, cancellationToken);
        var (cards, pageGate) = await gate.ForBatchAsync(batch.Purpose, keys, cancellationToken);
        return new SliceChecks(now, cap, cards, pageGate, await historyRead);
    }

    private static (List<Pending> ToSend, List<DeliveryOutcome> Excluded) Recheck(
        DeliveryBatch batch, SliceChecks checks, IReadOnlyList<SendClaim> claims, IReadOnlyList<DeliveryRecipient> recipients)
    {
        var (now, cap, cards, pageGate, history) = checks;
        var byKey = recipients.ToDictionary(r => r.SubjectKey, StringComparer.Ordinal);
        var toSend = new List<Pending>();
        var excluded = new List<DeliveryOutcome>();
        foreach (var claim in claims)
        {
            var key = claim.Send.SubjectKey;
            var address = cards.GetValueOrDefault(key)?.Email?.Value;
            var reason = address is null ? ExclusionReasons.NoEmail
                : pageGate.ExclusionOf(key, ContactChannel.Email, now)
                ?? (history.Allows(cap, key, batch.CampaignId, batch.Step, now) ? null : ExclusionReasons.FrequencyCap);
            if (reason is null)
            {
                toSend.Add(new Pending(claim, address!, byKey[key].Name));
            }
            else
            {
                excluded.Add(new DeliveryOutcome(key, reason));
            }
        }

        return (toSend, excluded);
    }

    private async Task RunAsync(DeliveryRun run, CancellationToken cancellationToken)
    {
        var batch = run.Batch;
        var pace = batch.MaxPerSecond is > 0 ? new SendPace(batch.MaxPerSecond.Value) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A few messages per connection wait rendered: enough that a connection never waits for a renderer, and few
        // enough that a message is seldom still alive when the next collection comes. A queue of a whole slice kept
        // hundreds of messages alive through every gen 0 collection, each copied into gen 1: twice the pause time.
        var rendered = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(Math.Max(MinRenderedWaiting, relay.Connections * RenderedPerConnection))
        {
            SingleReader = false,
            SingleWriter = false,
        });
        var marks = Channel.CreateUnbounded<Mark>();
        var ending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var marker = MarkAsync(run, marks.Reader, ending.Task);

        var prepare = Task.Run(async () =>
        {
            var rendering = new List<Task>();
            try
            {
                // Slices are claimed and checked one after the other (side by side they would queue behind each other's
                // reads and delay the first sends), each while the ones before it render and go out; the first is small
                // so that sending starts early, and at most two render ahead of the connections.
                foreach (var slice in Slices(run.Recipients))
                {
                    if (rendering.Count(r => !r.IsCompleted) >= RenderAhead)
                    {
                        await Task.WhenAny(rendering.Where(r => !r.IsCompleted));
                    }

                    if (rendering.FirstOrDefault(r => r.IsFaulted) is { } failed)
                    {
                        await failed;
                    }

                    stop.Token.ThrowIfCancellationRequested();
                    if (await CheckAsync(run, slice, stop.Token) is { } checkedSlice)
                    {
                        rendering.Add(RenderSliceAsync(run, checkedSlice, rendered.Writer, marks.Writer, stop.Token));
                    }
                }
            }
            finally
            {
                try
                {
                    await Task.WhenAll(rendering);
                }
                finally
                {
                    rendered.Writer.TryComplete();
                }
            }
        }, CancellationToken.None);

        var senders = Enumerable.Range(0, relay.Connections).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var outgoing in rendered.Reader.ReadAllAsync(stop.Token))
                {
                    using var message = outgoing.Message!;
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    // The caller's token, not the stop: a send already started runs to the relay's answer, which is recorded.
                    var reply = await relay.SendAsync(message, outgoing.FirstClaimedAt, pace, cancellationToken);
                    // Answered the moment the relay answers: a send whose mark is still waiting is never given back.
                    run.Answered.Add(outgoing.SubjectKey);
                    marks.Writer.TryWrite(new Mark(outgoing.SubjectKey, reply.Sent, reply.Refusal, clock.GetUtcNow()));
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToList();

        try
        {
            await Task.WhenAll(senders.Append(prepare));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Stopped because a sender failed: that sender's fault is the one to surface.
            var failed = senders.FirstOrDefault(s => s.IsFaulted && s.Exception!.InnerException is not OperationCanceledException);
            if (failed is not null)
            {
                await failed;
            }

            throw;
        }
        finally
        {
            ending.TrySetResult();
            marks.Writer.TryComplete();
            await marker;
            while (rendered.Reader.TryRead(out var left))
            {
                left.Message?.Dispose();
            }
        }
    }

    // Slices grow fourfold from a small first one (8, 32, 128, then 250 at a time): each is claimed and checked while the
    // one before it goes out, so the connections start early and never wait for a check, and a batch of 500 costs five
    // rounds of reads instead of one per hundred.
    private static IEnumerable<DeliveryRecipient[]> Slices(IReadOnlyList<DeliveryRecipient> recipients)
    {
        var size = FirstSliceSize;
        for (var at = 0; at < recipients.Count; at += size, size = Math.Min(size * 4, SliceSize))
        {
            yield return recipients.Skip(at).Take(size).ToArray();
        }
    }

    private async Task<Outgoing> RenderAsync(DeliveryRun run, Pending pending, bool hasProfile, CancellationToken cancellationToken)
    {
        var batch = run.Batch;
        var send = pending.Claim.Send;
        // A takeover keeps the variant and Message-ID of the first claim, so the message is the same one again.
        if (!run.Templates.TryGetValue(send.Variant, out var template))
        {
            return new Outgoing(send.SubjectKey, null, $"template: the variant '{send.Variant}' of the first claim is not in this batch");
        }

        var root = batch.PublicBaseUrl.GetLeftPart(UriPartial.Authority);
        var unsubscribe = new UnsubscribeLink(send.SubjectKey, batch.Purpose, batch.CampaignId, send.MessageId);
        var unsubscribeUrl = unsubscribeLinks.Link(unsubscribe, root);
        var data = await personalisation.GatherForSubjectKeyAsync(
            send.SubjectKey, unsubscribeUrl, root + "/consent/page", new CampaignContext(batch.CampaignName ?? batch.CampaignId, send.Variant), hasProfile, cancellationToken);
        var outcome = TemplateRenderer.Render(template, data);
        if (outcome.Failure is { } failure)
        {
            return new Outgoing(send.SubjectKey, null, "template: " + failure);
        }

        var now = clock.GetUtcNow();
        var rendered = outcome.Message!;
        var html = tracking.Signer is null
            ? rendered.Html
            : trackingLinks.Rewrite(rendered.Html, new TrackedMessage(batch.CampaignId, send.Variant, send.MessageId, send.SubjectKey, now), batch.PublicBaseUrl);
        var message = new MimeMessage
        {
            Subject = rendered.Subject,
            MessageId = send.MessageId,
            Date = now,
            Body = new BodyBuilder { HtmlBody = WithPreheader(html, rendered.Preheader), TextBody = rendered.Text }.ToMessageBody(),
        };
        message.From.Add(new MailboxAddress(batch.Sender.Name ?? string.Empty, batch.Sender.From));
        if (!string.IsNullOrWhiteSpace(batch.Sender.ReplyTo))
        {
            message.ReplyTo.Add(MailboxAddress.Parse(batch.Sender.ReplyTo));
        }

        message.To.Add(new MailboxAddress(pending.Name ?? string.Empty, pending.Address));
        foreach (var (name, value) in unsubscribeLinks.Headers(unsubscribe, publicBase: root))
        {
            message.Headers.Add(name, value);
        }

        return new Outgoing(send.SubjectKey, message, null, pending.Claim.FirstClaimedAt);
    }

    private async Task MarkAsync(DeliveryRun run, ChannelReader<Mark> reader, Task ending)
    {
        var batch = run.Batch;
        // The ledger marks go out as soon as one is waiting (they keep a takeover from sending again); the frequency
        // records, which only later sends read, gather into fuller transactions and go out beside a mark.
        var counted = new List<FrequencySend>();
        var oldest = DateTimeOffset.MaxValue;
        // Marks are written even while the batch is stopping: a message the relay took must be recorded as sent.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            if (reader.Count < MarkBatch && !ending.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(MarkLinger, CancellationToken.None), ending);
            }

            var taken = new List<Mark>();
            while (taken.Count < MarkBatch && reader.TryRead(out var mark))
            {
                taken.Add(mark);
            }

            var sent = taken.Where(m => m.Sent).ToList();
            var refused = taken.Where(m => !m.Sent).ToList();
            var writes = new List<Task>();
            if (sent.Count > 0)
            {
                writes.Add(ledger.MarkSentAsync(batch.CampaignId, batch.Step, sent.Select(m => m.SubjectKey), CancellationToken.None));
                counted.AddRange(sent.Select(m => new FrequencySend(m.SubjectKey, batch.CampaignId, batch.Step, m.At)));
                oldest = oldest < sent[0].At ? oldest : sent[0].At;
            }

            if (refused.Count > 0)
            {
                writes.Add(ledger.MarkFailedAsync(batch.CampaignId, batch.Step, refused.Select(m => (m.SubjectKey, m.Reason ?? "refused")), CancellationToken.None));
            }

            // Once the senders are done and nothing else waits, the last frequency records go beside the last marks.
            var last = ending.IsCompleted && reader.Count == 0;
            if (counted.Count >= MarkBatch || (counted.Count > 0 && (last || clock.GetUtcNow() - oldest >= FrequencyRecordDelay)))
            {
                writes.Add(frequency.RecordAsync(counted.ToList(), CancellationToken.None));
                counted.Clear();
                oldest = DateTimeOffset.MaxValue;
            }

            // One write at a time: while storage is slow, more marks gather for the next transaction.
            await Task.WhenAll(writes);
            run.Count(sent.Select(m => m.SubjectKey));
            run.Fail(refused.Select(m => new DeliveryOutcome(m.SubjectKey, m.Reason ?? "refused")));
        }

        if (counted.Count > 0)
        {
            await frequency.RecordAsync(counted, CancellationToken.None);
        }
    }

    private async Task<IReadOnlyDictionary<string, ParsedTemplate>> TemplatesAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        // Parsed once for the batch, not once per recipient.
        var found = new Dictionary<string, ParsedTemplate>(StringComparer.Ordinal);
        foreach (var (variant, spec) in batch.Variants)
        {
            var stored = await templates.GetAsync(spec.TemplateId, cancellationToken)
                ?? throw new ArgumentException($"The template '{spec.TemplateId}' of variant '{variant}' does not exist.", nameof(batch));
            found[variant] = TemplateRenderer.Parse(spec.Subject is null ? stored.Template : stored.Template with { Subject = spec.Subject });
        }

        return found;
    }

    private static void Validate(DeliveryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var (name, value) in new[] { ("campaign id", batch.CampaignId), ("step", batch.Step) })
        {
            if (!CampaignMessageId.IsPart(value))
            {
                throw new ArgumentException($"The {name} '{value}' may hold letters, digits, '-' and '_' only.", nameof(batch));
            }
        }

        if (string.IsNullOrWhiteSpace(batch.Purpose))
        {
            throw new ArgumentException("A batch names the purpose its e-mail is sent for.", nameof(batch));
        }

        if (batch.Sender is null || !MailboxAddress.TryParse(batch.Sender.From, out var from) || from.Address != batch.Sender.From.Trim() || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException("The sender must be one e-mail address.", nameof(batch));
        }

        if (!string.IsNullOrWhiteSpace(batch.Sender.ReplyTo) && !MailboxAddress.TryParse(batch.Sender.ReplyTo, out _))
        {
            throw new ArgumentException("The reply-to must be an e-mail address.", nameof(batch));
        }

        if (batch.PublicBaseUrl is null || !batch.PublicBaseUrl.IsAbsoluteUri || batch.PublicBaseUrl.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException("The public base URL must be an absolute http(s) address.", nameof(batch));
        }

        if (batch.MaxPerSecond is < 0 || batch.MaxPerSecond is { } rate && (double.IsNaN(rate) || double.IsInfinity(rate)))
        {
            throw new ArgumentException("The throughput limit is a number of messages per second (or left out).", nameof(batch));
        }

        if (batch.FrequencyCap?.Problem() is { } capProblem)
        {
            throw new ArgumentException(capProblem, nameof(batch));
        }

        if (batch.Variants is null || batch.Variants.Count == 0 || batch.Variants.Keys.Any(v => !CampaignMessageId.IsPart(v)))
        {
            throw new ArgumentException("A batch names at least one variant, each of letters, digits, '-' and '_'.", nameof(batch));
        }

        foreach (var (variant, spec) in batch.Variants)
        {
            if (spec.Subject is not null && TemplateValidator.Validate(TemplatePart.Subject, spec.Subject) is { Count: > 0 } issues)
            {
                throw new ArgumentException($"The subject of variant '{variant}' does not parse: {issues[0]}", nameof(batch));
            }
        }

        foreach (var recipient in batch.Recipients ?? throw new ArgumentException("A batch lists its recipients.", nameof(batch)))
        {
            if (!CampaignMessageId.IsPart(recipient.SubjectKey) || !batch.Variants.ContainsKey(recipient.Variant ?? string.Empty))
            {
                throw new ArgumentException($"Recipient '{recipient.SubjectKey}' needs a subject key of letters, digits, '-' and '_' and one of the batch's variants.", nameof(batch));
            }
        }
    }

    // A preheader is the line inboxes show after the subject: hidden text at the top of the body.
    private static string WithPreheader(string html, string preheader)
    {
        if (string.IsNullOrWhiteSpace(preheader))
        {
            return html;
        }

        var hidden = $"<div style=\"display:none;max-height:0;overflow:hidden;mso-hide:all\">{WebUtility.HtmlEncode(preheader)}</div>";
        var body = html.IndexOf("<body", StringComparison.OrdinalIgnoreCase);
        var open = body < 0 ? -1 : html.IndexOf('>', body);
        return open < 0 ? hidden + html : html.Insert(open + 1, hidden);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} step {Step} stopped after {Sent} sent; {Released} claims given back: {Reason}")]
    private static partial void LogStopped(ILogger logger, string campaignId, string step, int sent, int released, string reason);

    private sealed record Pending(SendClaim Claim, string Address, string? Name);

    private sealed record CheckedSlice(List<Pending> ToSend, List<DeliveryOutcome> Excluded, IReadOnlySet<string> WithProfiles, Task Excluding);

    private sealed record SliceChecks(DateTimeOffset Now, FrequencyCap Cap, IReadOnlyDictionary<string, ContactCard> Cards, AudienceGate Gate, FrequencyHistory History);

    private sealed record Outgoing(string SubjectKey, MimeMessage? Message, string? Failure, DateTimeOffset FirstClaimedAt = default);

    private sealed record Mark(string SubjectKey, bool Sent, string? Reason, DateTimeOffset At);

    /// <summary>What one batch has done so far; written by the preparers and the marker, read after both finished.</summary>
    private sealed class DeliveryRun(DeliveryBatch batch, IReadOnlyDictionary<string, ParsedTemplate> templates, IReadOnlyList<DeliveryRecipient> recipients)
    {
        private readonly ConcurrentBag<DeliveryOutcome> _failures = [];
        private readonly ConcurrentBag<DeliveryOutcome> _excluded = [];
        private readonly ConcurrentDictionary<string, bool> _claimed = new(StringComparer.Ordinal);
        private readonly ConcurrentBag<string> _sentTo = [];
        private readonly ConcurrentBag<string> _skippedOnes = [];
        private int _skipped;
        private int _sent;
        private int _resent;

        public DeliveryBatch Batch => batch;

        public IReadOnlyDictionary<string, ParsedTemplate> Templates => templates;

        public IReadOnlyList<DeliveryRecipient> Recipients => recipients;

        public string Domain { get; } = batch.Sender.From[(batch.Sender.From.LastIndexOf('@') + 1)..];

        /// <summary>Recipients the relay (or the renderer) answered for: sent or refused.</summary>
        public ConcurrentHashSet Answered { get; } = new();

        public int SentCount => Volatile.Read(ref _sent);

        public int ResentCount => Volatile.Read(ref _resent);

        public int Skipped => Volatile.Read(ref _skipped);

        public IReadOnlyList<DeliveryOutcome> Failures => _failures.OrderBy(f => f.SubjectKey, StringComparer.Ordinal).ToList();

        public IReadOnlyList<DeliveryOutcome> Excluded => _excluded.OrderBy(f => f.SubjectKey, StringComparer.Ordinal).ToList();

        public IReadOnlyList<string> SentTo => _sentTo.Order(StringComparer.Ordinal).ToList();

        public IReadOnlyList<string> SkippedOnes => _skippedOnes.Order(StringComparer.Ordinal).ToList();

        public void Claimed(DeliveryRecipient[] asked, IReadOnlyList<SendClaim> claims)
        {
            Interlocked.Add(ref _skipped, asked.Length - claims.Count);
            foreach (var claim in claims)
            {
                _claimed[claim.Send.SubjectKey] = claim.Resend;
            }

            var held = claims.Select(c => c.Send.SubjectKey).ToHashSet(StringComparer.Ordinal);
            foreach (var recipient in asked.Where(r => !held.Contains(r.SubjectKey)))
            {
                _skippedOnes.Add(recipient.SubjectKey);
            }
        }

        public void Exclude(IEnumerable<DeliveryOutcome> excluded)
        {
            foreach (var outcome in excluded)
            {
                _excluded.Add(outcome);
                Answered.Add(outcome.SubjectKey);
            }
        }

        /// <summary>Claims held by this batch that were neither answered nor excluded.</summary>
        public List<string> Unanswered() => _claimed.Keys.Where(k => !Answered.Contains(k)).ToList();

        public void Count(IEnumerable<string> sent)
        {
            foreach (var key in sent)
            {
                _sentTo.Add(key);
                Interlocked.Increment(ref _sent);
                if (_claimed.TryGetValue(key, out var resend) && resend)
                {
                    Interlocked.Increment(ref _resent);
                }
            }
        }

        public void Fail(IEnumerable<DeliveryOutcome> failures)
        {
            foreach (var failure in failures)
            {
                _failures.Add(failure);
            }
        }
    }

    /// <summary>A set of keys shared between the marker and the caller.</summary>
    private sealed class ConcurrentHashSet
    {
        private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

        public void Add(string key) => _keys.TryAdd(key, 0);

        public bool Contains(string key) => _keys.ContainsKey(key);
    }
}
