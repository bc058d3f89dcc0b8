using System.Diagnostics;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Contacts;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Contacts;

[Collection(SharedAzurite.Name)]
public sealed class ContactImportTests(AzuriteFixture azurite)
{
    private string KeyOf(string subject) => azurite.Services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(subject)).Value;

    private Task<ContactImportReport> ImportAsync(string csv) => azurite.Services.Get<ContactImport>().ImportAsync(new StringReader(csv));

    [Fact]
    public async Task GoodRowsGoInAndBadRowsAreReportedByLine()
    {
        var (a, b, c) = (UniqueId.New("crm"), UniqueId.New("crm"), UniqueId.New("crm"));
        var csv = $"""
            subject;email;phone;provenance;provenance_detail;provenance_since
            {a};jana@example.cz;777 123 456;order;e-shop order 88;2025-03-01
            {b};not-an-address;;form;;
            ;x@example.cz;;;;
            {c};petr@example.cz;+421 905 123 456;;;
            {UniqueId.New("crm")};;777 123;raffle;;
            """;

        var report = await ImportAsync(csv);

        Assert.Equal((5, 2, 0, 0), (report.Rows, report.Created, report.Updated, report.Unchanged));
        Assert.Equal([3L, 4L, 6L], report.Errors.Select(e => e.Line));
        Assert.Contains("not-an-address", report.Errors[0].Error, StringComparison.Ordinal);
        Assert.Contains("subject is empty", report.Errors[1].Error, StringComparison.Ordinal);
        Assert.Contains("raffle", report.Errors[2].Error, StringComparison.Ordinal);
        var store = azurite.Services.Get<ContactStore>();
        var jana = (await store.ReadAsync(KeyOf(a)))!;
        Assert.Equal(("+420777123456", ContactProvenance.Order, "e-shop order 88"), (jana.Phone!.Value.Value, jana.Source!.Provenance, jana.Source.Detail));
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), jana.Source.Since);
        Assert.Equal(ContactProvenance.Unknown, (await store.ReadAsync(KeyOf(c)))!.Source!.Provenance);
    }

    [Fact]
    public async Task ImportingTheSameFileTwiceChangesNothing()
    {
        var csv = $"subject,email,phone\n{UniqueId.New("crm")},eva@example.cz,602111222\n{UniqueId.New("crm")},adam@example.cz,\n";
        await ImportAsync(csv);

        var again = await ImportAsync(csv);

        Assert.Equal((2, 0, 0, 2), (again.Rows, again.Created, again.Updated, again.Unchanged));
    }

    [Theory]
    [InlineData("")]
    [InlineData("email,phone\nx@example.cz,777123456\n")]
    [InlineData("subject,email,shoe_size\nc-1,x@example.cz,42\n")]
    public async Task AFileThatIsNoContactsCsvIsRefusedAsAWhole(string csv)
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(csv));
    }

    [Fact]
    public async Task TheCommandLineImportsAFileAndAnswersABadFileWithOneLineAndExitCodeTwo()
    {
        var directory = Directory.CreateTempSubdirectory("contacts-import-");
        try
        {
            var good = Path.Combine(directory.FullName, "crm.csv");
            var subject = UniqueId.New("crm");
            await File.WriteAllTextAsync(good, $"subject,email,phone,provenance\n{subject},cli@example.cz,777 000 123,competition\n");
            var bad = Path.Combine(directory.FullName, "orders.csv");
            await File.WriteAllTextAsync(bad, "order,amount\n1,20\n");

            var imported = await EngageAsync("contacts", "import", good);
            var refused = await EngageAsync("contacts", "import", bad);

            Assert.True(imported.ExitCode == 0, imported.Output + imported.Error);
            Assert.Contains("1 new contacts", imported.Output, StringComparison.Ordinal);
            Assert.Equal(ContactProvenance.Competition, (await azurite.Services.Get<ContactStore>().ReadAsync(KeyOf(subject)))!.Source!.Provenance);
            Assert.Equal(2, refused.ExitCode);
            var line = Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("no 'subject' column", line, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Runs the real <c>engage</c> command line against the test Azurite.</summary>
    private async Task<(int ExitCode, string Output, string Error)> EngageAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "engage.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--storage");
        start.ArgumentList.Add(azurite.ConnectionString);
        start.Environment["Ingestion__PseudonymSecret"] = AzuriteFixture.PseudonymSecret;
        start.Environment["Admin__Key"] = AzuriteFixture.AdminKey;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
