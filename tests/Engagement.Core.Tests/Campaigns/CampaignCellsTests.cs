using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignCellsTests
{
    private static readonly CellPlan ThreeVariants = new(0.3, ["a", "b", "c"], "a");

    private static readonly List<string> Subjects = Enumerable.Range(0, 30_000).Select(i => $"subject-{i}").ToList();

    [Fact]
    public void ARecipientAlwaysLandsInTheSameCellWhateverTheAudiencesOrder()
    {
        var forward = Subjects.ToDictionary(s => s, s => CampaignCells.Assign("may-2026", ThreeVariants, s));
        var backward = Enumerable.Reverse(Subjects).ToDictionary(s => s, s => CampaignCells.Assign("may-2026", ThreeVariants, s));

        Assert.All(Subjects, s => Assert.Equal(forward[s], backward[s]));
    }

    [Fact]
    public void TheTestShareIsSpreadEvenlyOverTheVariantsAndTheRestIsTheHoldout()
    {
        var cells = Subjects.Select(s => CampaignCells.Assign("may-2026", ThreeVariants, s)).GroupBy(c => c.Cell).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(["holdout", "test-a", "test-b", "test-c"], cells.Keys.Order(StringComparer.Ordinal));
        foreach (var variant in new[] { "a", "b", "c" })
        {
            Assert.InRange(cells["test-" + variant] / 30_000.0, 0.09, 0.11);
        }

        Assert.InRange(cells["holdout"] / 30_000.0, 0.68, 0.72);
    }

    [Fact]
    public void ATestCellGetsItsVariantAndTheHoldoutWaitsForTheWinner()
    {
        var assignments = Subjects.Take(2000).Select(s => CampaignCells.Assign("may-2026", ThreeVariants, s)).ToList();

        Assert.All(assignments.Where(a => a.Cell != CampaignCells.Holdout), a => Assert.Equal(CampaignCells.TestCell(a.Variant!), a.Cell));
        Assert.All(assignments.Where(a => a.Cell == CampaignCells.Holdout), a => Assert.Null(a.Variant));
        Assert.All(assignments, a => Assert.Equal(a.Cell != CampaignCells.Holdout, a.InTest));
    }

    [Fact]
    public void DifferentCampaignsSplitTheSameAudienceIndependently()
    {
        var both = Subjects.Count(s => CampaignCells.Assign("may-2026", ThreeVariants, s).InTest && CampaignCells.Assign("june-2026", ThreeVariants, s).InTest);

        // Independent splits put 30 % × 30 % = 9 % in both tests.
        Assert.InRange(both / 30_000.0, 0.08, 0.10);
    }

    [Fact]
    public void WithoutATestEveryoneIsInOneCellWithTheDefaultVariant()
    {
        var plan = new CellPlan(null, ["a", "b"], "b");

        Assert.All(Subjects.Take(100), s => Assert.Equal(new CellAssignment(CampaignCells.Everyone, "b"), CampaignCells.Assign("may-2026", plan, s)));
        Assert.Equal([new CellAssignment(CampaignCells.Everyone, "b")], CampaignCells.Cells(plan));
        Assert.False(CampaignCells.Assign("may-2026", plan, "x").InTest);
    }

    [Fact]
    public void ThePositionIsAFixedFunctionOfCampaignAndSubject()
    {
        var position = CampaignCells.Position("may-2026", "subject-1");

        Assert.Equal(position, CampaignCells.Position("may-2026", "subject-1"));
        Assert.InRange(position, 0, 1 - double.Epsilon);
        Assert.NotEqual(position, CampaignCells.Position("may-2026", "subject-2"));
        Assert.Equal(
            [new CellAssignment("test-a", "a"), new CellAssignment("test-b", "b"), new CellAssignment("test-c", "c"), new CellAssignment("holdout", null)],
            CampaignCells.Cells(ThreeVariants));
    }

    [Fact]
    public void TheCellPlanOfADefinitionFollowsItsTestAndDefault()
    {
        var definition = CampaignBuilder.Definition(abTest: CampaignBuilder.Test(share: 0.25)) with { DefaultVariant = "b" };

        var plan = CellPlan.Of(definition);

        Assert.Equal((0.25, "b"), (plan.TestShare, plan.DefaultVariant));
        Assert.Equal(["a", "b"], plan.Variants);
    }
}
