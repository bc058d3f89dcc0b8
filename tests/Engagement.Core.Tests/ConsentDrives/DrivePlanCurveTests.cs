using Engagement.Core.ConsentDrives;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class DrivePlanCurveTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Deadline = Start.AddDays(40);

    [Theory]
    [InlineData(PlanCurve.Linear, 0, 0.0)]
    [InlineData(PlanCurve.Linear, 10, 0.1)]
    [InlineData(PlanCurve.Linear, 20, 0.2)]
    [InlineData(PlanCurve.Linear, 40, 0.4)]
    [InlineData(PlanCurve.FrontLoaded, 10, 0.175)]
    [InlineData(PlanCurve.FrontLoaded, 20, 0.3)]
    [InlineData(PlanCurve.FrontLoaded, 40, 0.4)]
    public void ThePlanRisesFromTheBaselineToTheTargetAtTheDeadline(PlanCurve curve, int day, double planned)
    {
        Assert.Equal(planned, DrivePlanCurve.Planned(curve, 0, 0.4, Start, Deadline, Start.AddDays(day)), 9);
    }

    [Fact]
    public void BeforeTheStartThePlanIsTheBaselineAndAfterTheDeadlineTheTarget()
    {
        Assert.Equal(0.05, DrivePlanCurve.Planned(PlanCurve.Linear, 0.05, 0.4, Start, Deadline, Start.AddDays(-3)), 9);
        Assert.Equal(0.4, DrivePlanCurve.Planned(PlanCurve.FrontLoaded, 0.05, 0.4, Start, Deadline, Deadline.AddDays(3)), 9);
        Assert.Equal(0.225, DrivePlanCurve.Planned(PlanCurve.Linear, 0.05, 0.4, Start, Deadline, Start.AddDays(20)), 9);
    }

    [Fact]
    public void ATargetAtOrBelowTheBaselineIsPlannedFlat()
    {
        Assert.Equal(0.3, DrivePlanCurve.Planned(PlanCurve.Linear, 0.5, 0.3, Start, Deadline, Start.AddDays(10)), 9);
    }
}
