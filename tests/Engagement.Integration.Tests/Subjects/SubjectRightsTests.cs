using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Sms;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Engagement.Infrastructure.Subjects;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Subjects;

[Collection(SharedAzurite.Name)]
public sealed class SubjectRightsTests(AzuriteFixture azurite)
{
    private T Get<T>()
        where T : notnull => azurite.Services.Get<T>();

    [Fact]
    public async Task ExportHoldsEverythingAndErasureLeavesNothingButTheErasureRecord()
    {
        var (userId, anonymousId) = await SubjectWithEverythingAsync();
        var rights = Get<SubjectRights>();

        var export = (await rights.ExportAsync(userId))!;
        var erased = await rights.EraseAsync(userId);

        Assert.Equal(4, export.Events.Count);
        Assert.Single(export.Consents);
        Assert.Equal("erase@example.cz", Assert.Single(export.ConsentRequests).Email);
        Assert.Equal([anonymousId], export.Profile!.AnonymousIds);
        Assert.True(erased.Found);
        Assert.Equal(1, erased.ConsentRecords);
        Assert.Equal(1, erased.DeadLetters);
        Assert.Equal(1, erased.ConsentRequests);
        Assert.True(erased.Profiles >= 1);
        Assert.Null(await Get<ProfileQuery>().GetAsync(userId));
        Assert.Null(await Get<ProfileQuery>().GetAsync(anonymousId));
        Assert.Null(await rights.ExportAsync(userId));
        var storage = Get<EngagementStorage>();
        var keys = Get<Pseudonymizer>();
        foreach (var key in new[] { keys.KeyOf(IdentityRef.User(userId)).Value, keys.KeyOf(IdentityRef.Anonymous(anonymousId)).Value })
        {
            Assert.Empty(await storage.Events.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}")).ToListAsync());
            Assert.Empty(await storage.Profiles.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}")).ToListAsync());
            Assert.Empty(await storage.Consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}")).ToListAsync());
            Assert.Empty(await storage.ConsentRequests.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}")).ToListAsync());
        }

        await foreach (var (_, letter) in Get<DeadLetterStore>().ListAsync())
        {
            Assert.DoesNotContain(userId, letter.Payload, StringComparison.Ordinal);
        }

        var record = Assert.Single(await storage.Erasures.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"SubjectKey eq {keys.KeyOf(IdentityRef.User(userId)).Value}")).ToListAsync());
        Assert.Equal(6L, record.GetInt64("EventRows")); // four events and two activity rows
        Assert.DoesNotContain(record, p => p.Value is string s && s.Contains(userId, StringComparison.Ordinal));
        Assert.False((await rights.EraseAsync(userId)).Found);
    }

    [Fact]
    public async Task ASubjectWhoComesBackAfterErasureStartsAfresh()
    {
        var (userId, _) = await SubjectWithEverythingAsync();
        await Get<SubjectRights>().EraseAsync(userId);

        await Get<IngestionHandler>().HandleAsync([EventBuilder.Track("Signed Up").ForUser(userId).AtMinute(90).Build()]);
        await Get<IngestionHandler>().HandleAsync([EventBuilder.Identify("""{"plan":"basic"}""").ForUser(userId).AtMinute(91).Build()]);

        var profile = (await Get<ProfileQuery>().GetAsync(userId))!;
        Assert.Equal(2, profile.EventCount);
        Assert.Empty(profile.AnonymousIds);
        Assert.False(profile.Traits.ContainsKey("email"));
    }

    [Fact]
    public async Task ErasureTakesTheSubjectsEventsOutOfClaimChecksStillOnTheStreamAndKeepsEveryoneElses()
    {
        var (userId, anonymousId) = await SubjectWithEverythingAsync();
        var other = UniqueId.New("other-user");
        var storage = Get<EngagementStorage>();
        var mixed = $"{DateTime.UtcNow:yyyy-MM-dd}/{UniqueId.New("batch")}.json.gz";
        var onlyTheirs = $"{DateTime.UtcNow:yyyy-MM-dd}/{UniqueId.New("batch")}.json.gz";
        await storage.StreamPayloads.UploadBlobAsync(mixed, new BinaryData(StreamCodec.EncodeBatch(new IngestionBatch("b1", "test-site",
        [
            EventBuilder.Track("Basket Viewed").ForUser(userId).AtMinute(5).Build(),
            EventBuilder.Page("https://www.example.cz/auta").ForAnonymous(anonymousId).AtMinute(6).Build(),
            EventBuilder.Track("Basket Viewed").ForUser(other).AtMinute(7).Build(),
        ]))));
        await storage.StreamPayloads.UploadBlobAsync(onlyTheirs, new BinaryData(StreamCodec.EncodeBatch(new IngestionBatch("b2", "test-site",
            [EventBuilder.Track("Checkout Started").ForUser(userId).AtMinute(8).Build()]))));

        var erased = await Get<SubjectRights>().EraseAsync(userId);

        Assert.True(erased.StreamEvents >= 3);
        var left = StreamCodec.DecodeBatchBlob((await storage.StreamPayloads.GetBlobClient(mixed).DownloadContentAsync()).Value.Content.ToStream());
        Assert.Equal([other], left.Events.Select(e => e.UserId));
        Assert.False((await storage.StreamPayloads.GetBlobClient(onlyTheirs).ExistsAsync()).Value);
    }

    [Fact]
    public async Task APersonAskedByEmailBeforeAnyVisitIsExportedAndErased()
    {
        var userId = UniqueId.New("asked-only");
        await RequestConsentByEmailAsync(userId, "asked@example.cz");
        var rights = Get<SubjectRights>();

        var export = (await rights.ExportAsync(userId))!;
        var erased = await rights.EraseAsync(userId);

        Assert.Null(export.Profile);
        Assert.Equal(ConsentRequestState.Pending, Assert.Single(export.ConsentRequests).State);
        Assert.True(erased.Found);
        Assert.Equal(1, erased.ConsentRequests);
        Assert.Null(await rights.ExportAsync(userId));
    }

    [Fact]
    public async Task ContactPointsSuppressionsAndSmsBothWaysAreExportedAndErasedWithTheirIndexEntries()
    {
        await using var acs = await LocalSmsService.StartAsync();
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Sms:ConnectionString"] = acs.ConnectionString,
            ["Sms:From"] = acs.OurNumber,
        });
        var userId = UniqueId.New("crm-only");
        var subjectKey = services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var phone = new PhoneNumber("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var contacts = services.Get<ContactStore>();
        await contacts.PutAsync(subjectKey, new ContactPoints(new EmailAddress("crm-only@example.cz"), phone), new ContactSource(ContactProvenance.Import, "crm-2026-11.csv", DateTimeOffset.UtcNow));
        await contacts.SuppressAsync(subjectKey, new ContactSuppression(ContactChannel.Email, SuppressionReason.Bounced, DateTimeOffset.UtcNow.AddMinutes(-5)));
        var text = ConsentTextCatalog.Default.Current("marketing-sms", "cs")!;
        await services.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subjectKey, "ask-1"), [new AskedPurpose("marketing", ContactChannel.Sms, text.Reference)], ConsentRequestSms.Compose([text]));
        await services.Get<CommunicationEvents>().HandleAsync(LocalSmsService.SmsReceivedEvent(phone.Value, acs.OurNumber, "ANO", "Incoming_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow));
        var rights = services.Get<SubjectRights>();

        var export = (await rights.ExportAsync(userId))!;
        var erased = await rights.EraseAsync(userId);

        Assert.Null(export.Profile);
        Assert.Equal((phone.Value, "crm-only@example.cz"), (export.Contact!.Phone, export.Contact.Email));
        Assert.Equal(SuppressionReason.Bounced, Assert.Single(export.Contact.Suppressions).Reason);
        Assert.Equal(phone.Value, Assert.Single(export.SmsSent).To);
        Assert.Equal(SmsReplyOutcome.Granted, Assert.Single(export.SmsReplies).Outcome);
        Assert.Single(export.Consents);
        Assert.True(erased.Found);
        Assert.Equal((2, 2, 2, 1), (erased.ContactRows, erased.IndexRows, erased.SmsRecords, erased.ConsentRecords));
        Assert.Null(await rights.ExportAsync(userId));
        Assert.Empty(await contacts.SubjectsWithPhoneAsync(phone));
        var storage = services.Get<EngagementStorage>();
        foreach (var table in new[] { storage.Contacts, storage.SmsSent, storage.SmsReplies })
        {
            Assert.Empty(await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}")).ToListAsync());
        }

        Assert.Empty(await storage.ContactIndex.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {subjectKey}")).ToListAsync());
        var record = Assert.Single(await storage.Erasures.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}")).ToListAsync());
        Assert.Equal(2, record.GetInt32("SmsRecords"));
    }

    [Fact]
    public async Task CampaignDeliveryReportsComplaintsUnsubscribesAndBounceTalliesAreExportedAndErased()
    {
        var userId = UniqueId.New("bounced");
        var subjectKey = Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var campaign = UniqueId.New("camp");
        var messageId = new Engagement.Core.Campaigns.CampaignMessageId(campaign, "main", "a", subjectKey).Format("mail.example.com");
        var events = Get<Engagement.Infrastructure.Campaigns.EmailDeliveryEvents>();
        await events.RecordDeliveryAsync(new Engagement.Infrastructure.Campaigns.EmailDeliveryReport("evt-soft", $"<{messageId}>", "Failed", "452 4.2.2 Mailbox full of erase-me@example.cz", DateTimeOffset.UtcNow.AddHours(-2)));
        await events.RecordDeliveryAsync(new Engagement.Infrastructure.Campaigns.EmailDeliveryReport("evt-ok", $"<{messageId}>", "Delivered", null, DateTimeOffset.UtcNow.AddHours(-1)));
        await events.RecordComplaintAsync(new Engagement.Infrastructure.Campaigns.EmailComplaint("evt-fbl", messageId, "abuse", DateTimeOffset.UtcNow));
        await events.RecordUnsubscribeAsync(campaign, messageId, subjectKey, DateTimeOffset.UtcNow);
        var rights = Get<SubjectRights>();

        var export = (await rights.ExportAsync(userId))!;
        var erased = await rights.EraseAsync(userId);

        Assert.Equal(["softBounce", "delivered", "complained", "unsubscribed"], export.CampaignDeliveries.Select(d => d.Kind));
        Assert.Contains("erase-me@example.cz", export.CampaignDeliveries[0].Detail, StringComparison.Ordinal);
        Assert.Empty(export.CampaignEngagement);
        Assert.Equal(6, erased.CampaignEvents);
        Assert.Null(await rights.ExportAsync(userId));
        Assert.Empty(await Get<EngagementStorage>().CampaignEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}")).ToListAsync());
    }

    [Fact]
    public async Task RepliesFromTheSubjectsNumberThatMatchedNobodyAreErasedToo()
    {
        var userId = UniqueId.New("late-contact");
        var subjectKey = Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var phone = new PhoneNumber("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The number wrote before it was anyone's contact; later it became this subject's.
        await Get<CommunicationEvents>().HandleAsync(LocalSmsService.SmsReceivedEvent(phone.Value, "+420910000001", "Kdo jste?", "Incoming_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow));
        await Get<ContactStore>().PutAsync(subjectKey, new ContactPoints(null, phone), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow));

        var export = (await Get<SubjectRights>().ExportAsync(userId))!;
        var erased = await Get<SubjectRights>().EraseAsync(userId);

        Assert.Equal("Kdo jste?", Assert.Single(export.SmsReplies).Message);
        Assert.Equal(1, erased.SmsRecords);
        Assert.Empty(await Get<SmsHistory>().RepliesAsync([SmsHistory.UnmatchedPartition(Get<ContactStore>().PhoneKey(phone))]));
    }

    [Fact]
    public async Task ConsentDrivesRecordsOfTheSubjectAndTheirLineInACallListAreExportedAndErased()
    {
        var userId = UniqueId.New("drive-person");
        var other = UniqueId.New("drive-other");
        var subjectKey = Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var drive = UniqueId.New("consent-drive");
        var drives = Get<ConsentDriveStore>();
        var storage = Get<EngagementStorage>();
        await Get<ContactStore>().PutAsync(subjectKey, new ContactPoints(null, new PhoneNumber("+420603111222")), new ContactSource(ContactProvenance.Order, null, DateTimeOffset.UtcNow));
        await drives.RecordDisplayAsync(new DriveDisplay(drive, subjectKey, "popup-a", FormPlacement.PortalPopup, DateTimeOffset.UtcNow));
        await drives.RecordAskedAsync(drive, new DriveAsk(DriveChannel.CallCentre, subjectKey, 1, DateTimeOffset.UtcNow));
        await drives.ChooseWaveAsync(drive, "list-call-centre-1", () => Task.FromResult(new WaveChoice([subjectKey, other], 0, null)));
        var list = storage.ConsentLists.GetBlobClient($"{drive}/list-call-centre-1.csv");
        await list.UploadAsync(new BinaryData($"subject_key,phone,language,purposes,provenance\n{subjectKey},+420603111222,cs,marketing,order\n{other},+420603999888,cs,marketing,form\n"));

        var export = (await Get<SubjectRights>().ExportAsync(userId))!;
        var erased = await Get<SubjectRights>().EraseAsync(userId);

        Assert.Equal(2, export.ConsentDrives.Count);
        Assert.True(erased.DriveRecords >= 4);
        Assert.Empty(await drives.DisplaysOfAsync(drive, subjectKey));
        Assert.DoesNotContain((await drives.AskedAsync(drive)).Values, a => a.ContainsKey(subjectKey));
        var wave = await drives.ChooseWaveAsync(drive, "list-call-centre-1", () => throw new InvalidOperationException("the stored choice is read"));
        Assert.Equal([other], wave.Subjects);
        var left = (await list.DownloadContentAsync()).Value.Content.ToString();
        Assert.DoesNotContain(subjectKey, left, StringComparison.Ordinal);
        Assert.Contains(other, left, StringComparison.Ordinal);
    }

    private async Task RequestConsentByEmailAsync(string userId, string email) =>
        await Get<ConsentRequestStore>().ClaimAsync(
            Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value,
            new EmailConsentRequest("send-" + userId, "req-1", email, "cs", [new RequestedText("marketing", "marketing-email", 1, "cs")],
                ConsentRequestState.Pending, EventBuilder.BaseTime, "consent-x@example.cz"),
            "fingerprint",
            EventBuilder.BaseTime);

    private async Task<(string UserId, string AnonymousId)> SubjectWithEverythingAsync()
    {
        var userId = UniqueId.New("erase-user");
        var anonymousId = UniqueId.New("erase-anon");
        var ingestion = Get<IngestionHandler>();
        await ingestion.HandleAsync([EventBuilder.Page("https://www.example.cz/penze").ForAnonymous(anonymousId).AtMinute(0).Build()]);
        await ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"email":"erase@example.cz"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(1).Build(),
            EventBuilder.Track("Order Completed").ForUser(userId).AtMinute(2).Build(),
            EventBuilder.Track("Product Viewed").ForUser(userId).AtMinute(3).Build(),
        ]);
        await Get<ConsentStore>().AppendAsync(new ConsentRequest(
            Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value, "marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent,
            CaptureChannel.Import, EventBuilder.BaseTime, new ConsentTextReference("marketing-email", 1, "cs", new string('c', 64)), new ConsentEvidence(), "crm"));
        await Get<DeadLetterStore>().WriteAsync("ingestion", "test", $$"""{"type":"track","userId":"{{userId}}"}""", "test-site");
        await RequestConsentByEmailAsync(userId, "erase@example.cz");
        return (userId, anonymousId);
    }
}
