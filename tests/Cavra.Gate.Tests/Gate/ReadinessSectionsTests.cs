using Cavra.Gate.Readiness;

namespace Cavra.Gate.Tests.Gate;

public class ReadinessSectionsTests
{
    [Fact]
    public void Every_section_has_one_report_and_one_route()
    {
        Assert.Equal(Enum.GetValues<ReadinessSection>(), ReadinessSections.All.Select(e => e.Section));
        Assert.Equal(ReadinessSections.All.Count, ReadinessSections.All.Select(e => e.Route).Distinct().Count());
        Assert.All(ReadinessSections.All, e => Assert.StartsWith("/runtime/go-pilot/", e.Route));
    }

    [Theory]
    [InlineData(ReadinessSection.Runtime, typeof(BackendReadinessReport))]
    [InlineData(ReadinessSection.Deployment, typeof(DeploymentReadinessReport))]
    [InlineData(ReadinessSection.Promotion, typeof(PromotionReadinessReport))]
    [InlineData(ReadinessSection.Rollback, typeof(RollbackReadinessReport))]
    [InlineData(ReadinessSection.RollbackRehearsal, typeof(RollbackRehearsalReport))]
    [InlineData(ReadinessSection.RollbackDrillHistory, typeof(RollbackDrillHistoryReport))]
    [InlineData(ReadinessSection.RollbackDrillSchedule, typeof(RollbackDrillScheduleReport))]
    public void A_section_evaluates_its_own_report(ReadinessSection section, Type report)
    {
        using var set = new EvidenceSet();
        Assert.IsType(report, ReadinessSections.Evaluate(section, set.Context()));
    }
}
