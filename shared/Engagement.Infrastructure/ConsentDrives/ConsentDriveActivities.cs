using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Contacts;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Sms;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary><c>consent-drive.measure</c>: where a drive stands, counted from the contacts, the ledger, its asks and its form displays.</summary>
public sealed class DriveMeasureActivity(DriveAudienceReader audiences, ConsentDriveStore drives, TimeProvider clock) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => ConsentDriveActivities.Measure;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var measure = WorkflowJson.Read<MeasureDrive>(input);
        var now = clock.GetUtcNow();
        var members = await audiences.ReadAsync(measure.Purposes, measure.Audience, measure.StartsAt, cancellationToken);
        var asked = await drives.AskedAsync(context.InstanceId, cancellationToken);
        var displays = (await drives.DisplaysAsync(context.InstanceId, cancellationToken)).Where(d => d.At >= measure.StartsAt).ToList();
        var displaysBySubject = displays.GroupBy(d => d.SubjectKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(d => d.At).ToList(), StringComparer.Ordinal);
        var converted = members.Where(m => m.OptedIn).Select(m => (Member: m, Via: Conversion(m, measure))).ToList();

        var channels = measure.Channels.Select(channel =>
        {
            var askedHere = asked.GetValueOrDefault(channel) ?? new Dictionary<string, DriveAsk>();
            var conversions = converted.LongCount(c => c.Via is { } via && DriveAudienceRules.ChannelOf(via.Request.CapturedVia) == channel);
            var notYet = members.LongCount(m => !m.OptedIn && m.Reachable(channel, now)
                && (channel == DriveChannel.WebForm ? !displaysBySubject.ContainsKey(m.SubjectKey) : !askedHere.ContainsKey(m.SubjectKey)));
            var askedCount = channel == DriveChannel.WebForm ? displays.Count : askedHere.Count;
            return new ChannelMeasurement(channel, askedCount, conversions, notYet);
        }).ToList();

        // A form conversion counts for the variant the subject saw last before deciding.
        var variantConversions = converted
            .Where(c => c.Via is { } via && DriveAudienceRules.ChannelOf(via.Request.CapturedVia) == DriveChannel.WebForm)
            .Select(c => displaysBySubject.GetValueOrDefault(c.Member.SubjectKey)?.LastOrDefault(d => d.At <= c.Via!.Request.DecidedAt.AddMinutes(1))?.Variant)
            .OfType<string>()
            .GroupBy(v => v, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var variants = measure.Variants.Select(v =>
        {
            var shown = displays.LongCount(d => d.Variant == v);
            return new VariantMeasurement(v, shown, Math.Min(shown, variantConversions.GetValueOrDefault(v)));
        }).ToList();

        var everAsked = new HashSet<string>(asked.Values.SelectMany(a => a.Keys).Concat(displaysBySubject.Keys), StringComparer.Ordinal);
        var segmentsOf = measure.Audience.Segments is { Count: > 0 } tags
            ? (Func<DriveMember, IEnumerable<string>>)(m => (m.Card.Segments ?? []).Where(s => tags.Contains(s, StringComparer.Ordinal)))
            : m => ["provenance:" + m.Provenance.ToString().ToLowerInvariant()];
        var segments = members.SelectMany(m => segmentsOf(m).Select(s => (Segment: s, Member: m)))
            .GroupBy(x => x.Segment, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SegmentReach(g.Key, g.LongCount(), g.LongCount(x => everAsked.Contains(x.Member.SubjectKey)), g.LongCount(x => x.Member.OptedIn)))
            .ToList();

        var measurement = new DriveMeasurement(
            members.Count,
            members.LongCount(m => m.OptedIn),
            channels,
            variants,
            segments,
            members.LongCount(m => m.Provenance == ContactProvenance.Unknown),
            members.LongCount(m => !m.OptedIn && (displaysBySubject.GetValueOrDefault(m.SubjectKey)?.Count ?? 0) < measure.Caps.Total));
        return WorkflowJson.Write(measurement);
    }

    // The grant that completed the opt-in: the latest grant of a drive purpose made since the drive started.
    private static ConsentRecord? Conversion(DriveMember member, MeasureDrive measure) =>
        member.History.Where(r => r.Request.Decision == ConsentDecision.Granted && r.Request.DecidedAt >= measure.StartsAt && measure.Purposes.Contains(r.Request.Purpose))
            .OrderBy(r => r.Request.DecidedAt).ThenBy(r => r.Sequence).LastOrDefault();
}

/// <summary><c>consent-drive.allocate-forms</c>: puts a form allocation in force (a retried older one changes nothing).</summary>
public sealed class DriveFormsActivity(ConsentDriveStore drives) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => ConsentDriveActivities.AllocateForms;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await drives.ApplyAllocationAsync(context.InstanceId, WorkflowJson.Read<FormAllocation>(input), cancellationToken);
        return WorkflowJson.Write(new { });
    }
}

/// <summary>
/// Asking contacts for consent on behalf of drives: consent request e-mails (double opt-in) and SMS, one per contact per
/// wave, each idempotent by (drive, command, contact), so a re-run wave sends nothing twice.
/// </summary>
public sealed class DriveOutreach(
    ConsentDriveStore drives,
    EmailConsentHttp email,
    SmsSender sms,
    ConsentTextCatalog catalog,
    IOptions<ConsentOptions> consent,
    TimeProvider clock)
{
    /// <summary>Asks one contact over e-mail or SMS; true when asked (now or before), false when the channel cannot reach them.</summary>
    internal async Task<bool> AskAsync(string driveId, string commandId, int wave, DriveChannel channel, DriveMember member, IReadOnlyList<string> purposes, CancellationToken cancellationToken)
    {
        var language = member.Card.Language ?? ConsentTextCatalog.FallbackLanguage;
        var requestId = $"{driveId}:{commandId}";
        var contactChannel = channel == DriveChannel.Email ? ContactChannel.Email : ContactChannel.Sms;
        var texts = purposes.Select(p => catalog.CurrentFor(p, contactChannel, language) ?? catalog.CurrentFor(p, ContactChannel.Any, language)).OfType<ConsentText>().ToList();
        if (texts.Count != purposes.Count)
        {
            throw new InvalidOperationException($"No {contactChannel} consent text in '{language}' for every purpose of the drive ({string.Join(", ", purposes)}).");
        }

        if (!await drives.TryClaimAskAsync(driveId, new DriveAsk(channel, member.SubjectKey, wave, clock.GetUtcNow()), commandId, cancellationToken))
        {
            // Another command of the drive asked them over this channel already.
            return true;
        }

        bool asked;
        if (channel == DriveChannel.Email)
        {
            var publicBase = consent.Value.PublicBaseUrl
                ?? throw new InvalidOperationException("Consent:PublicBaseUrl must be set for drives to send e-mails: confirmation links need the address people reach.");
            var outcome = await email.SendRequestAsync(member.SubjectKey, member.Card.Email!.Value.Value, texts, language, requestId, publicBase, cancellationToken);
            asked = outcome.Status switch
            {
                EmailRequestStatus.Sent or EmailRequestStatus.AlreadySent => true,
                EmailRequestStatus.Refused or EmailRequestStatus.Conflict => false,
                _ => throw new InvalidOperationException($"The consent e-mail was not sent ({outcome.Status}): {outcome.Error}"),
            };
        }
        else
        {
            var result = await sms.SendConsentRequestAsync(
                new SmsAddressee(member.SubjectKey, requestId), texts.Select(t => new AskedPurpose(t.Purpose, t.Channel, t.Reference)).ToList(), ConsentRequestSms.Compose(texts), cancellationToken);
            asked = result.Status switch
            {
                SmsSendStatus.Sent => true,
                SmsSendStatus.NoPhone or SmsSendStatus.Refused or SmsSendStatus.Failed => false,
                _ => throw new InvalidOperationException($"The consent SMS was not sent ({result.Status}): {result.Detail}"),
            };
        }

        if (!asked)
        {
            await drives.ReleaseAskAsync(driveId, channel, member.SubjectKey, cancellationToken);
        }

        return asked;
    }
}

/// <summary>
/// <c>consent-drive.send-wave</c> (e-mail, SMS) and <c>consent-drive.call-list</c> (call centre, store): choose up to a
/// batch of audience contacts not yet asked over the channel, in subject-key order from the cursor, skipping those the
/// channel cannot reach; store the choice before asking, so a re-run asks exactly the same people; then ask each once.
/// Lists for the call centre and stores are CSV blobs in <c>consentlists/{drive}/{command}.csv</c>.
/// </summary>
public sealed class DriveWaveActivity(DriveAudienceReader audiences, ConsentDriveStore drives, DriveOutreach outreach, EngagementStorage storage, TimeProvider clock)
    : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => ConsentDriveActivities.SendWave;

    /// <inheritdoc />
    public Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default) =>
        RunWaveAsync(context, WorkflowJson.Read<OutreachBatch>(input), cancellationToken);

    internal async Task<JsonElement> RunWaveAsync(WorkflowActivityContext context, OutreachBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = clock.GetUtcNow();
        var members = (await audiences.ReadAsync(batch.Purposes, batch.Audience, batch.StartsAt, cancellationToken)).OrderBy(m => m.SubjectKey, StringComparer.Ordinal).ToList();
        var bySubject = members.ToDictionary(m => m.SubjectKey, StringComparer.Ordinal);
        var asked = (await drives.AskedAsync(context.InstanceId, cancellationToken)).GetValueOrDefault(batch.Channel) ?? new Dictionary<string, DriveAsk>();
        var choice = await drives.ChooseWaveAsync(context.InstanceId, context.CommandId, () =>
        {
            var chosen = new List<string>();
            var skipped = 0;
            string? last = null;
            foreach (var member in members.Where(m => batch.Cursor is null || string.CompareOrdinal(m.SubjectKey, batch.Cursor) > 0))
            {
                if (chosen.Count == batch.BatchSize)
                {
                    break;
                }

                last = member.SubjectKey;
                if (member.OptedIn || asked.ContainsKey(member.SubjectKey))
                {
                    continue;
                }

                if (!member.Reachable(batch.Channel, now))
                {
                    skipped++;
                    continue;
                }

                chosen.Add(member.SubjectKey);
            }

            var more = last is not null && members.Any(m => string.CompareOrdinal(m.SubjectKey, last) > 0);
            return Task.FromResult(new WaveChoice(chosen, skipped, more ? last : null));
        }, cancellationToken);

        var contacted = 0;
        var unreachable = 0;
        if (batch.Channel is DriveChannel.Email or DriveChannel.Sms)
        {
            foreach (var subject in choice.Subjects)
            {
                // Erased since the choice, or opted in meanwhile: nobody to ask.
                if (!bySubject.TryGetValue(subject, out var member) || member.OptedIn)
                {
                    continue;
                }

                if (await outreach.AskAsync(context.InstanceId, context.CommandId, batch.Wave, batch.Channel, member, batch.Purposes, cancellationToken))
                {
                    contacted++;
                }
                else
                {
                    unreachable++;
                }
            }
        }
        else
        {
            contacted = await PublishListAsync(context, batch, choice.Subjects.Select(s => bySubject.GetValueOrDefault(s)).OfType<DriveMember>().ToList(), now, cancellationToken);
        }

        asked = (await drives.AskedAsync(context.InstanceId, cancellationToken)).GetValueOrDefault(batch.Channel) ?? asked;
        var notYet = members.LongCount(m => !m.OptedIn && !asked.ContainsKey(m.SubjectKey) && m.Reachable(batch.Channel, now));
        return WorkflowJson.Write(new OutreachBatchResult(contacted, choice.Skipped + unreachable, choice.NextCursor, notYet));
    }

    private async Task<int> PublishListAsync(WorkflowActivityContext context, OutreachBatch batch, List<DriveMember> chosen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var csv = new StringBuilder("subject_key,phone,language,purposes,provenance\n");
        foreach (var member in chosen)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{member.SubjectKey},{member.Card.Phone?.Value},{member.Card.Language ?? ConsentTextCatalog.FallbackLanguage},{string.Join(';', batch.Purposes)},{member.Provenance.ToString().ToLowerInvariant()}\n");
        }

        await storage.ConsentLists.GetBlobClient($"{context.InstanceId}/{context.CommandId}.csv")
            .UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(csv.ToString())), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv; charset=utf-8" } }, cancellationToken);
        foreach (var member in chosen)
        {
            await drives.RecordAskedAsync(context.InstanceId, new DriveAsk(batch.Channel, member.SubjectKey, batch.Wave, now), cancellationToken);
        }

        return chosen.Count;
    }
}

/// <summary><c>consent-drive.call-list</c>: the same choice as a wave, published as a list for agents or stores.</summary>
public sealed class DriveCallListActivity(DriveWaveActivity waves) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => ConsentDriveActivities.CallList;

    /// <inheritdoc />
    public Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default) =>
        waves.RunWaveAsync(context, WorkflowJson.Read<OutreachBatch>(input), cancellationToken);
}

/// <summary>
/// <c>consent-drive.reactivate</c>: asks the audience's contacts of unknown provenance to confirm, by e-mail where they
/// have an address, else by SMS; once per contact (idempotent by drive and contact).
/// </summary>
public sealed class DriveReactivationActivity(DriveAudienceReader audiences, DriveOutreach outreach, TimeProvider clock) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => ConsentDriveActivities.Reactivate;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reactivation = WorkflowJson.Read<Reactivation>(input);
        var now = clock.GetUtcNow();
        long byEmail = 0, bySms = 0, unreachable = 0;
        foreach (var member in (await audiences.ReadAsync(reactivation.Purposes, reactivation.Audience, reactivation.StartsAt, cancellationToken))
            .Where(m => m.Provenance == ContactProvenance.Unknown && !m.OptedIn).OrderBy(m => m.SubjectKey, StringComparer.Ordinal))
        {
            var channel = reactivation.Channels.FirstOrDefault(c => c is DriveChannel.Email or DriveChannel.Sms && member.Reachable(c, now));
            if (channel is DriveChannel.Email or DriveChannel.Sms
                && await outreach.AskAsync(context.InstanceId, context.CommandId, 1, channel, member, reactivation.Purposes, cancellationToken))
            {
                if (channel == DriveChannel.Email)
                {
                    byEmail++;
                }
                else
                {
                    bySms++;
                }
            }
            else
            {
                unreachable++;
            }
        }

        return WorkflowJson.Write(new ReactivationResult(byEmail, bySms, unreachable));
    }
}
