using Engagement.Core.Journeys;
using Microsoft.ML.Data;

namespace Engagement.Ml;

/// <summary>A journey example as ML.NET reads it. The width of <see cref="Features"/> is set per schema by <see cref="ModelRows.InputDefinition"/>.</summary>
internal sealed class ModelInput
{
    public string ProfileKey { get; set; } = string.Empty;

    /// <summary>Empty when unknown: ML.NET text columns have no null.</summary>
    public string UserId { get; set; } = string.Empty;

#pragma warning disable CA1819 // ML.NET reads vector columns from array properties.
    public float[] Features { get; set; } = [];
#pragma warning restore CA1819

    public string Text { get; set; } = string.Empty;

    public bool Label { get; set; }
}

/// <summary>What scoring reads back: the row's keys, passed through the model, and the probability.</summary>
internal sealed class ModelOutput
{
    public string ProfileKey { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    public float Probability { get; set; }
}

/// <summary>What evaluation reads back: the row's label, passed through the model, and the probability.</summary>
internal sealed class LabeledOutput
{
    public bool Label { get; set; }

    public float Probability { get; set; }
}

/// <summary>Column names and conversions between <see cref="JourneyExample"/> and ML.NET rows.</summary>
internal static class ModelRows
{
    public const string Features = nameof(ModelInput.Features);
    public const string Text = nameof(ModelInput.Text);
    public const string Label = nameof(ModelInput.Label);
    public const string Probability = nameof(ModelOutput.Probability);

    /// <summary>The vector every trainer learns from: numeric features, their missing flags and the text features.</summary>
    public const string FeatureVector = "FeatureVector";

    /// <summary>The schema of <see cref="ModelInput"/> with the feature vector's width known.</summary>
    public static SchemaDefinition InputDefinition(int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(ModelInput), SchemaDefinition.Direction.Read);
        definition[Features].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return definition;
    }

    /// <summary>Converts a row, checking that it has the schema's width.</summary>
    /// <exception cref="ArgumentException">The row has a different number of features.</exception>
    public static ModelInput ToInput(JourneyExample example, FeatureSchema schema)
    {
        var input = new ModelInput();
        Fill(input, example, schema);
        return input;
    }

    /// <summary>Sets a reused row object to a row's values, checking that it has the schema's width.</summary>
    /// <exception cref="ArgumentException">The row has a different number of features.</exception>
    public static void Fill(ModelInput input, JourneyExample example, FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (example.Features is null || example.Features.Length != schema.Count)
        {
            throw new ArgumentException(
                $"Journey example of profile '{example.ProfileKey}' has {example.Features?.Length ?? 0} features but the model's schema has {schema.Count} " +
                $"({string.Join(", ", schema.Names.Take(5))}{(schema.Count > 5 ? ", …" : string.Empty)}). Build the rows with the schema stored with the model.",
                nameof(example));
        }

        input.ProfileKey = example.ProfileKey;
        input.UserId = example.UserId ?? string.Empty;
        input.Features = example.Features;
        input.Text = example.Text ?? string.Empty;
        input.Label = example.Label;
    }
}
