using System.IO.Compression;
using System.Text;
using Engagement.Core.Journeys;

namespace Engagement.Ml.Tests;

[Collection(SharedTrainedRun.Name)]
public sealed class TrainedModelTests(TrainedRun run)
{
    [Fact]
    public void ASavedModelLoadsAndScoresIdentically()
    {
        var rows = new Journeys(seed: 21).WithMissing(0.1).Build(300);
        using var file = new MemoryStream();
        run.Model.Save(file);
        file.Position = 0;

        var loaded = TrainedModel.Load(file);

        Assert.Equal(run.Model.Trainer, loaded.Trainer);
        Assert.Equal(run.Model.Schema.Names, loaded.Schema.Names);
        Assert.Equal(run.Model.Score(rows), loaded.Score(rows));
    }

    [Fact]
    public void EveryTrainersModelSurvivesSaveAndLoad()
    {
        var rows = new Journeys(seed: 22).Build(50);
        foreach (var candidate in run.Outcome.Candidates)
        {
            using var file = new MemoryStream();
            candidate.Model.Save(file);
            file.Position = 0;
            Assert.Equal(candidate.Model.Score(rows), TrainedModel.Load(file).Score(rows));
        }
    }

    [Fact]
    public void RandomBytesAreNotAModel()
    {
        var bytes = new byte[2_000];
        new Random(3).NextBytes(bytes);

        var error = Assert.Throws<InvalidDataException>(() => TrainedModel.Load(new MemoryStream(bytes)));

        Assert.Contains("Not a readable Engagement 360 model file", error.Message);
    }

    [Fact]
    public void ATruncatedModelFileIsNotAModel()
    {
        using var file = new MemoryStream();
        run.Model.Save(file);
        var truncated = file.ToArray()[..(int)(file.Length / 2)];

        Assert.Throws<InvalidDataException>(() => TrainedModel.Load(new MemoryStream(truncated)));
    }

    [Fact]
    public void AModelFileWithFlippedBytesIsNotAModel()
    {
        using var file = new MemoryStream();
        run.Model.Save(file);
        var bytes = file.ToArray();
        for (var i = bytes.Length / 3; i < bytes.Length / 3 + 64; i++)
        {
            bytes[i] ^= 0x5A;
        }

        Assert.Throws<InvalidDataException>(() => TrainedModel.Load(new MemoryStream(bytes)));
    }

    [Fact]
    public void AnEmptyBlobIsNotAModel()
    {
        Assert.Throws<InvalidDataException>(() => TrainedModel.Load(new MemoryStream()));
    }

    [Fact]
    public void AForeignZipIsNotAModel()
    {
        var error = Assert.Throws<InvalidDataException>(() => TrainedModel.Load(Zip(("readme.txt", "hello"))));

        Assert.Contains("no 'model.json' entry", error.Message);
    }

    [Fact]
    public void AManifestOfAnotherFormatIsNotAModel()
    {
        var error = Assert.Throws<InvalidDataException>(() => TrainedModel.Load(Zip(("model.json", """{"format":"something-else","formatVersion":1}"""))));

        Assert.Contains("does not name the format", error.Message);
    }

    [Fact]
    public void ACorruptMlNetEntryIsNotAModel()
    {
        var manifest = """{"format":"engagement-propensity-model","formatVersion":1,"trainer":"LightGbm","features":["a","b"]}""";

        var error = Assert.Throws<InvalidDataException>(() => TrainedModel.Load(Zip(("model.json", manifest), ("mlnet.zip", "not a model"))));

        Assert.Contains("is not an ML.NET model", error.Message);
    }

    [Fact]
    public void ScoringRowsOfAnotherWidthFailsWithAClearMessage()
    {
        JourneyExample[] rows = [new("p", null, DateTimeOffset.UnixEpoch, [1, 2], "home", false)];

        var error = Assert.Throws<ArgumentException>(() => run.Model.Score(rows).ToList());

        Assert.Contains("has 2 features but the model's schema has 5", error.Message);
    }

    [Fact]
    public void ScoringIsLazyAndReadsAnEndlessSourceOnlyAsFarAsNeeded()
    {
        var source = new CountingSource(new Journeys(seed: 23).Stream());

        var first = run.Model.Score(source).Take(5).ToList();

        Assert.Equal(5, first.Count);
        Assert.Equal(1, source.Enumerations);
        // ML.NET reads ahead a few batches on worker threads, never the whole source.
        Assert.InRange(source.Read, 5, 20_000);
        Assert.Equal(["profile-0", "profile-1", "profile-2", "profile-3", "profile-4"], first.Select(s => s.ProfileKey));
    }

    [Fact]
    public void ScoringEnumeratesTheSourceOnceAndKeepsItsOrderAndIds()
    {
        var rows = new Journeys(seed: 24).Build(10_000);
        var source = new CountingSource(rows);

        var scored = run.Model.Score(source).ToList();

        Assert.Equal(1, source.Enumerations);
        Assert.Equal(rows.Select(r => (r.ProfileKey, r.UserId)), scored.Select(s => (s.ProfileKey, s.UserId)));
        Assert.Contains(scored, s => s.UserId is null);
    }

    [Fact]
    public void ScoringStopsWhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var scored = run.Model.Score(new Journeys(seed: 25).Stream(), cancellation.Token);

        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var (row, i) in scored.Select((row, i) => (row, i)))
            {
                if (i == 10)
                {
                    cancellation.Cancel();
                }
            }
        });
    }

    private static MemoryStream Zip(params (string Name, string Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        stream.Position = 0;
        return stream;
    }

    /// <summary>Counts how often it is enumerated and how many rows were taken from it.</summary>
    private sealed class CountingSource(IEnumerable<JourneyExample> inner) : IEnumerable<JourneyExample>
    {
        public int Enumerations { get; private set; }

        public int Read { get; private set; }

        public IEnumerator<JourneyExample> GetEnumerator()
        {
            Enumerations++;
            foreach (var row in inner)
            {
                Read++;
                yield return row;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
