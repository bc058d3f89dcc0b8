namespace Engagement.Core.ConsentDrives;

/// <summary>The planned opt-in share at any time of a drive: the one place the plan curve is computed.</summary>
public static class DrivePlanCurve
{
    /// <summary>
    /// The share the plan expects at <paramref name="at"/>: <paramref name="baseline"/> at <paramref name="start"/>,
    /// rising along <paramref name="curve"/> to <paramref name="target"/> at <paramref name="deadline"/>, and the target after it.
    /// </summary>
    /// <param name="curve">The shape.</param>
    /// <param name="baseline">The share when the drive started (its first measurement).</param>
    /// <param name="target">The target share.</param>
    /// <param name="start">The drive's start.</param>
    /// <param name="deadline">Its deadline.</param>
    /// <param name="at">The time asked about.</param>
    public static double Planned(PlanCurve curve, double baseline, double target, DateTimeOffset start, DateTimeOffset deadline, DateTimeOffset at)
    {
        var length = (deadline - start).TotalSeconds;
        var f = length <= 0 ? 1 : Math.Clamp((at - start).TotalSeconds / length, 0, 1);
        var shape = curve switch
        {
            PlanCurve.FrontLoaded => 1 - ((1 - f) * (1 - f)),
            _ => f,
        };
        return target <= baseline ? target : baseline + ((target - baseline) * shape);
    }
}
