using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Engagement.Ml.Tests;

public sealed class BidListWriterTests
{
    private static readonly UserBid[] Bids =
    [
        new("p-1", "u-1", "a-1", 2.5),
        new("p-2", null, "a-2", 0.1),
        new("p-3", "u-3", null, 0),
        new("p-4", "u;4", "a-4", 1),
    ];

    [Fact]
    public void AUserListHasAHeaderAndOneLinePerPersonWithTheId()
    {
        var (text, result) = WriteUsers(Bids, new BidListFormat());

        Assert.Equal("user_id;bid\nu-1;2.50\nu-3;0.00\n", text);
        Assert.Equal(2, result.Rows);
        Assert.Equal(1, result.SkippedWithoutId);
        Assert.Equal(1, result.SkippedUnsafeId);
        Assert.Equal(2, result.Skipped);
    }

    [Fact]
    public void TheFormatSetsDelimiterHeaderIdKindAndDecimals()
    {
        var (text, result) = WriteUsers(Bids, new BidListFormat { Delimiter = ',', Header = false, IdKind = BidIdKind.AnonymousId, DecimalPlaces = 3 });

        Assert.Equal("a-1,2.500\na-2,0.100\na-4,1.000\n", text);
        Assert.Equal(1, result.SkippedWithoutId);
    }

    [Fact]
    public void AnIdWithTheDelimiterIsKeptWhenAnotherDelimiterIsUsed()
    {
        var (text, _) = WriteUsers([Bids[3]], new BidListFormat { Delimiter = '\t', Header = false });

        Assert.Equal("u;4\t1.00\n", text);
    }

    [Fact]
    public void ProfileKeyListsIncludeEveryone()
    {
        var (_, result) = WriteUsers(Bids, new BidListFormat { IdKind = BidIdKind.ProfileKey });

        Assert.Equal(4, result.Rows);
        Assert.Equal(0, result.Skipped);
    }

    [Fact]
    public void BidsAreWrittenWithAPointWhateverTheCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            var czech = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            czech.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = czech;
            var (text, _) = WriteUsers([Bids[0]], new BidListFormat { Header = false });
            Assert.Equal("u-1;2.50\n", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void TheChecksumAndSizeAreThoseOfTheBytesWritten()
    {
        using var stream = new MemoryStream();

        var result = BidListWriter.WriteUsers(stream, Bids, new BidListFormat());

        Assert.Equal(stream.Length, result.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream.ToArray())), result.Sha256);
        Assert.True(stream.CanWrite, "the stream is left open");
    }

    [Fact]
    public void ADomainListHasDomainAndBid()
    {
        using var stream = new MemoryStream();
        DomainBid[] bids = [new("travel.example", 3, 1_000, 0.15, true), new("", 1, 0, double.NaN, false)];

        var result = BidListWriter.WriteDomains(stream, bids, new BidListFormat { DecimalPlaces = 1 });

        Assert.Equal("domain;bid\ntravel.example;3.0\n", Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(1, result.Rows);
        Assert.Equal(1, result.SkippedWithoutId);
    }

    [Theory]
    [InlineData('"')]
    [InlineData('\n')]
    [InlineData('.')]
    [InlineData('5')]
    public void ADelimiterThatCouldBeMisreadIsRefused(char delimiter)
    {
        Assert.Throws<ArgumentException>(() => BidListWriter.WriteUsers(new MemoryStream(), Bids, new BidListFormat { Delimiter = delimiter }));
    }

    private static (string Text, ListWriteResult Result) WriteUsers(IEnumerable<UserBid> bids, BidListFormat format)
    {
        using var stream = new MemoryStream();
        var result = BidListWriter.WriteUsers(stream, bids, format);
        return (Encoding.UTF8.GetString(stream.ToArray()), result);
    }
}
