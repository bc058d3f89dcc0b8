namespace Engagement.Ml;

/// <summary>The learning algorithms a training run compares.</summary>
public enum TrainerKind
{
    /// <summary>Gradient-boosted trees by LightGBM.</summary>
    LightGbm,

    /// <summary>Gradient-boosted trees by ML.NET's FastTree.</summary>
    FastTree,

    /// <summary>Logistic regression trained by SDCA on normalized features: the simple, well-calibrated baseline.</summary>
    LogisticRegression,
}
