using System.Buffers.Binary;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Tests.ConsentDrives;
using Engagement.Infrastructure.ConsentDrives;

namespace Engagement.Integration.Tests.ConsentDrives;

public sealed class ConsentDriveChartTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void AFinishedDriveIsDrawnAsAPngOfTheRequestedSize()
    {
        var report = ConsentDriveReport.Of(FinishedDrive().State);

        var png = ConsentDriveChart.Png(report);

        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal((ConsentDriveChart.DefaultWidth, ConsentDriveChart.DefaultHeight), Size(png));
        Assert.NotEmpty(report.Escalations);
        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
    }

    [Fact]
    public void ADriveNotYetMeasuredIsDrawnWithThePlanAlone()
    {
        var report = ConsentDriveReport.Of(new ConsentDrive().Start(DriveInputBuilder.Drive(), DriveInputBuilder.Start).State);

        var png = ConsentDriveChart.Png(report, 640, 360);

        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal((640, 360), Size(png));
    }

    [Fact]
    public void TheSameReportDrawsTheSameImage()
    {
        var report = ConsentDriveReport.Of(FinishedDrive().State);

        Assert.Equal(ConsentDriveChart.Png(report), ConsentDriveChart.Png(report));
    }

    [Fact]
    public void ATinyChartIsRefused()
    {
        var report = ConsentDriveReport.Of(FinishedDrive().State);

        Assert.Throws<ArgumentOutOfRangeException>(() => ConsentDriveChart.Png(report, 10, 10));
    }

    private static DriveRun FinishedDrive()
    {
        var population = new SimulatedPopulation(2000, seed: 11);
        population.VariantRates["popup-a"] = 0.01;
        population.VariantRates["page-b"] = 0.06;
        var run = DriveRun.Against(population, DriveInputBuilder.Drive(target: 0.6, days: 20));
        run.RunToEnd(population.LivePeriod);
        return run;
    }

    /// <summary>Width and height from the PNG's IHDR chunk (right after the signature and the chunk's length and type).</summary>
    private static (int Width, int Height) Size(byte[] png) =>
        (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
}
