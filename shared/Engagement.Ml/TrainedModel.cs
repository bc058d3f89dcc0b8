using System.Collections;
using System.IO.Compression;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Core.Journeys;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace Engagement.Ml;

/// <summary>A journey scored by a model.</summary>
/// <param name="ProfileKey">The profile the row describes.</param>
/// <param name="UserId">The known user id, if any.</param>
/// <param name="Probability">Predicted probability of the goal.</param>
public sealed record ScoredExample(string ProfileKey, string? UserId, float Probability);

/// <summary>
/// A trained propensity model: the ML.NET transformer (text featurization, missing-value handling, normalization and
/// the predictor), the feature schema its rows must follow and the trainer that made it.
/// </summary>
/// <remarks>
/// <para>The model file written by <see cref="Save"/> is one zip archive with two entries:</para>
/// <list type="bullet">
/// <item><c>model.json</c>: <c>{"format": "engagement-propensity-model", "formatVersion": 1, "trainer": "LightGbm", "features": ["impressions", …]}</c>,
/// the feature names in the order of <see cref="JourneyExample.Features"/>.</item>
/// <item><c>mlnet.zip</c>: the ML.NET model as <c>MLContext.Model.Save</c> writes it (transformer chain and input schema).</item>
/// </list>
/// </remarks>
public sealed class TrainedModel
{
    /// <summary>The <c>format</c> value of <c>model.json</c>.</summary>
    public const string FileFormat = "engagement-propensity-model";

    /// <summary>The <c>formatVersion</c> this code writes and reads.</summary>
    public const int FileFormatVersion = 1;

    private const string ManifestEntry = "model.json";
    private const string MlNetEntry = "mlnet.zip";
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly MLContext _context;
    private readonly SchemaDefinition _inputDefinition;

    internal TrainedModel(MLContext context, ITransformer transformer, FeatureSchema schema, TrainerKind trainer)
    {
        _context = context;
        Transformer = transformer;
        Schema = schema;
        Trainer = trainer;
        _inputDefinition = ModelRows.InputDefinition(schema.Count);
    }

    /// <summary>The ML.NET transformer chain from input rows to a <c>Probability</c> column.</summary>
    public ITransformer Transformer { get; }

    /// <summary>The numeric features the model expects, in order.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The algorithm that trained the model.</summary>
    public TrainerKind Trainer { get; }

    /// <summary>
    /// Scores rows as they are enumerated: the source is enumerated once, lazily; ML.NET reads a few batches ahead on
    /// its worker threads (so the source must tolerate being enumerated on another thread), never the whole source,
    /// so scoring a million users holds only the rows in flight. Results come back in the source's order and carry
    /// each row's own profile key and user id.
    /// </summary>
    /// <param name="rows">Rows in this model's <see cref="Schema"/>; their labels are ignored.</param>
    /// <param name="cancellationToken">Checked between rows.</param>
    /// <exception cref="ArgumentException">(While enumerating) a row has a different number of features than the schema.</exception>
    public IEnumerable<ScoredExample> Score(IEnumerable<JourneyExample> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return ScoreLazily(rows, cancellationToken);
    }

    /// <summary>Writes the model file (see the remarks of <see cref="TrainedModel"/>).</summary>
    /// <param name="stream">A writable stream; left open.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var manifest = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
        {
            JsonSerializer.Serialize(manifest, new ModelManifest(FileFormat, FileFormatVersion, Trainer, [.. Schema.Names]), ManifestJson);
        }

        // ML.NET's own file is a zip already: stored, not compressed twice.
        using var model = archive.CreateEntry(MlNetEntry, CompressionLevel.NoCompression).Open();
        var inputSchema = _context.Data.LoadFromEnumerable(Array.Empty<ModelInput>(), _inputDefinition).Schema;
        _context.Model.Save(Transformer, inputSchema, model);
    }

    /// <summary>Reads a model file written by <see cref="Save"/>.</summary>
    /// <param name="stream">The file; left open.</param>
    /// <exception cref="InvalidDataException">The bytes are not a model file of this format (corrupt, truncated, foreign or of a newer version).</exception>
    public static TrainedModel Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var archive = Read("it is not a zip archive", () => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true));
        var manifest = ReadManifest(archive);
        var schema = new FeatureSchema(manifest.Features!);
        var context = CreateContext(seed: 0);
        var entry = archive.GetEntry(MlNetEntry) ?? throw Invalid($"it has no '{MlNetEntry}' entry");
        var (transformer, inputSchema) = Read($"its '{MlNetEntry}' is not an ML.NET model", () =>
        {
            using var model = new MemoryStream();
            using (var source = entry.Open())
            {
                source.CopyTo(model);
            }

            model.Position = 0;
            var transformer = context.Model.Load(model, out var inputSchema);
            return (transformer, inputSchema);
        });
        CheckShape(transformer, inputSchema, schema);
        return new TrainedModel(context, transformer, schema, manifest.Trainer);
    }

    /// <summary>An ML.NET context for models: seeded, and knowing the tree model types so their files load.</summary>
    internal static MLContext CreateContext(int seed)
    {
        var context = new MLContext(seed);
        context.ComponentCatalog.RegisterAssembly(typeof(LightGbmBinaryModelParameters).Assembly);
        context.ComponentCatalog.RegisterAssembly(typeof(FastTreeBinaryModelParameters).Assembly);
        return context;
    }

    /// <summary>Scores with the label carried through, for evaluations that must pair each score with its row's outcome.</summary>
    internal IEnumerable<LabeledScore> ScoreLabeled(IEnumerable<JourneyExample> rows, CancellationToken cancellationToken) =>
        Outputs<LabeledOutput>(rows, cancellationToken).Select(output => new LabeledScore(output.Probability, output.Label));

    private IEnumerable<ScoredExample> ScoreLazily(IEnumerable<JourneyExample> rows, CancellationToken cancellationToken) =>
        Outputs<ModelOutput>(rows, cancellationToken).Select(output => new ScoredExample(output.ProfileKey, output.UserId.Length == 0 ? null : output.UserId, output.Probability));

    /// <summary>
    /// The model's outputs, streamed. ML.NET reads the source ahead on worker threads (a bounded number of batches,
    /// so memory does not grow with the rows) and returns the rows in the source's order. It reports any exception of
    /// the source as its own; the source is therefore wrapped so the original exception (a row of the wrong width, a
    /// storage fault) is what the caller sees.
    /// </summary>
    private IEnumerable<TOutput> Outputs<TOutput>(IEnumerable<JourneyExample> rows, CancellationToken cancellationToken)
        where TOutput : class, new()
    {
        var source = new GuardedSource(rows, Schema);
        var scored = Transformer.Transform(_context.Data.LoadFromEnumerable(source, _inputDefinition));
        using var outputs = _context.Data.CreateEnumerable<TOutput>(scored, reuseRowObject: true).GetEnumerator();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = outputs.MoveNext();
            }
            catch (Exception) when (source.Failure is not null)
            {
                source.Failure.Throw();
                throw;
            }

            if (!more)
            {
                yield break;
            }

            yield return outputs.Current;
        }
    }

    private static ModelManifest ReadManifest(ZipArchive archive)
    {
        var entry = archive.GetEntry(ManifestEntry) ?? throw Invalid($"it has no '{ManifestEntry}' entry");
        var manifest = Read($"its '{ManifestEntry}' is not readable JSON", () =>
        {
            using var json = entry.Open();
            return JsonSerializer.Deserialize<ModelManifest>(json, ManifestJson);
        });
        if (manifest is null || manifest.Format != FileFormat)
        {
            throw Invalid($"'{ManifestEntry}' does not name the format '{FileFormat}'");
        }

        if (manifest.FormatVersion != FileFormatVersion)
        {
            throw Invalid($"it is of format version {manifest.FormatVersion}, this code reads version {FileFormatVersion}");
        }

        if (manifest.Features is null || manifest.Features.Count == 0 || !Enum.IsDefined(manifest.Trainer))
        {
            throw Invalid($"'{ManifestEntry}' lacks the feature names or names an unknown trainer");
        }

        return manifest;
    }

    private static void CheckShape(ITransformer transformer, DataViewSchema inputSchema, FeatureSchema schema)
    {
        var features = inputSchema.GetColumnOrNull(ModelRows.Features);
        if (features?.Type is not VectorDataViewType { Size: var size } || size != schema.Count)
        {
            throw Invalid($"its ML.NET model does not take the {schema.Count} features '{ManifestEntry}' names");
        }

        if (transformer.GetOutputSchema(inputSchema).GetColumnOrNull(ModelRows.Probability) is null)
        {
            throw Invalid("its ML.NET model does not predict a probability");
        }
    }

    /// <summary>Runs one step of reading the file, turning the ways a broken file fails into one clear exception.</summary>
    private static T Read<T>(string problem, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or JsonException or FormatException or InvalidOperationException or ArgumentException or NotSupportedException or OverflowException)
        {
            // A broken zip or deflate stream throws InvalidDataException; ML.NET reports a broken model in several of these ways.
            throw Invalid($"{problem} ({ex.Message})", ex);
        }
    }

    private static InvalidDataException Invalid(string reason, Exception? inner = null) =>
        new($"Not a readable Engagement 360 model file: {reason}. Keep the current champion and retrain, or restore another version.", inner);

    /// <summary>The rows as ML.NET reads them, remembering the first exception the source or a row's check threw.</summary>
    private sealed class GuardedSource(IEnumerable<JourneyExample> rows, FeatureSchema schema) : IEnumerable<ModelInput>
    {
        public ExceptionDispatchInfo? Failure { get; private set; }

        public IEnumerator<ModelInput> GetEnumerator()
        {
            IEnumerator<JourneyExample> inner;
            try
            {
                inner = rows.GetEnumerator();
            }
            catch (Exception ex)
            {
                Failure = ExceptionDispatchInfo.Capture(ex);
                throw;
            }

            // One row object for the whole enumeration: ML.NET copies a row's values out before it asks for the next.
            var input = new ModelInput();
            using (inner)
            {
                while (true)
                {
                    try
                    {
                        if (!inner.MoveNext())
                        {
                            yield break;
                        }

                        ModelRows.Fill(input, inner.Current, schema);
                    }
                    catch (Exception ex)
                    {
                        Failure = ExceptionDispatchInfo.Capture(ex);
                        throw;
                    }

                    yield return input;
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The content of <c>model.json</c>.</summary>
    private sealed record ModelManifest(string? Format, int FormatVersion, TrainerKind Trainer, IReadOnlyList<string>? Features);
}
