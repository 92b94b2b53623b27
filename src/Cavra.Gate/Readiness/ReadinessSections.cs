using System;
using System.Collections.Generic;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// The one map from a readiness section to its report and the upstream route that serves it, shared by
    /// Get-CavraGoReadinessReport and the HTTP API so a section can never mean one report in one and another in the other.
    /// </summary>
    public static class ReadinessSections
    {
        public sealed class Entry
        {
            internal Entry(ReadinessSection section, string route, Func<GateContext, ReadinessReport> evaluate)
            { Section = section; Route = route; Evaluate = evaluate; }
            public ReadinessSection Section { get; }
            /// <summary>The GET route (upstream's path) that serves this report.</summary>
            public string Route { get; }
            public Func<GateContext, ReadinessReport> Evaluate { get; }
        }

        /// <summary>Every section, in the order of <see cref="ReadinessSection"/>.</summary>
        public static readonly IReadOnlyList<Entry> All = new[]
        {
            new Entry(ReadinessSection.Runtime, "/runtime/go-pilot/readiness", BackendReadinessReport.Evaluate),
            new Entry(ReadinessSection.Deployment, "/runtime/go-pilot/deployment-readiness", DeploymentReadinessReport.Evaluate),
            new Entry(ReadinessSection.Promotion, "/runtime/go-pilot/promotion-readiness", PromotionReadinessReport.Evaluate),
            new Entry(ReadinessSection.Rollback, "/runtime/go-pilot/rollback-readiness", RollbackReadinessReport.Evaluate),
            new Entry(ReadinessSection.RollbackRehearsal, "/runtime/go-pilot/rollback-rehearsal", RollbackRehearsalReport.Evaluate),
            new Entry(ReadinessSection.RollbackDrillHistory, "/runtime/go-pilot/rollback-drills", RollbackDrillHistoryReport.Evaluate),
            new Entry(ReadinessSection.RollbackDrillSchedule, "/runtime/go-pilot/rollback-drill-schedule", RollbackDrillScheduleReport.Evaluate),
        };

        public static Entry Of(ReadinessSection section)
        {
            foreach (var e in All) if (e.Section == section) return e;
            throw new ArgumentOutOfRangeException(nameof(section), section, "not a readiness section");
        }

        public static ReadinessReport Evaluate(ReadinessSection section, GateContext context) => Of(section).Evaluate(context);
    }
}
