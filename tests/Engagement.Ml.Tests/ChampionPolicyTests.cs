namespace Engagement.Ml.Tests;

public sealed class ChampionPolicyTests
{
    [Fact]
    public void WithoutAChampionAUsefulCandidateIsPromoted()
    {
        var decision = ChampionPolicy.Decide(Evaluation(auc: 0.8), champion: null, minAucGain: 0.01);

        Assert.True(decision.Promote);
        Assert.Contains("no champion yet", decision.Reason);
    }

    [Fact]
    public void ACandidateThatBeatsTheChampionByTheMarginIsPromoted()
    {
        var decision = ChampionPolicy.Decide(Evaluation(auc: 0.82), Evaluation(auc: 0.80), minAucGain: 0.01);

        Assert.True(decision.Promote);
        Assert.Contains("0.820 beats the champion's 0.800 by +0.020", decision.Reason);
    }

    [Fact]
    public void ACandidateWithinTheMarginLeavesTheChampion()
    {
        var decision = ChampionPolicy.Decide(Evaluation(auc: 0.805), Evaluation(auc: 0.80), minAucGain: 0.01);

        Assert.False(decision.Promote);
        Assert.Contains("Champion kept", decision.Reason);
        Assert.Contains("less than the 0.010 required", decision.Reason);
    }

    [Fact]
    public void AWorseCandidateLeavesTheChampion()
    {
        Assert.False(ChampionPolicy.Decide(Evaluation(auc: 0.75), Evaluation(auc: 0.80), minAucGain: 0).Promote);
    }

    [Fact]
    public void ACandidateNoBetterThanChanceIsNeverPromoted()
    {
        var decision = ChampionPolicy.Decide(Evaluation(auc: 0.5), champion: null, minAucGain: 0.01);

        Assert.False(decision.Promote);
        Assert.Contains("no better than chance", decision.Reason);
    }

    [Fact]
    public void EvaluationsOfDifferentHoldoutsCannotBeCompared()
    {
        Assert.Throws<ArgumentException>(() => ChampionPolicy.Decide(Evaluation(auc: 0.8), Evaluation(auc: 0.7, count: 999), minAucGain: 0.01));
    }

    private static ModelEvaluation Evaluation(double auc, int count = 1_000) =>
        new(count, 100, 0.1, 0.1, auc, 0.3, 0.3, 0.3, 3, 0.01, [], [], []);
}
