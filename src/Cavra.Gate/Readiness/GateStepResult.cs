using System;
using System.Collections.Generic;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// One step of the promoted-mode gate as the verdict judged it: the reports it reads, every check in them, whether
    /// the step's own rule holds and whether it blocks the gate. The verdict's first failing step, the Pester readiness
    /// pack's Describe blocks and the HTML readiness report all come from this one list, so they cannot disagree.
    /// </summary>
    public sealed class GateStepResult
    {
        private GateStepResult(GateStep step, int order, string title, string reason, bool inGate, ReportStatus status,
            bool passed, IReadOnlyList<ReadinessReport> reports, IReadOnlyList<ReadinessCheck> blockingChecks)
        {
            Step = step;
            Order = order;
            Name = CanonicalName.Of(step);
            Title = title;
            Reason = reason;
            InGate = inGate;
            Status = status;
            Passed = passed;
            Reports = reports;
            BlockingChecks = inGate && !passed ? blockingChecks : Array.Empty<ReadinessCheck>();
            var checks = new List<ReadinessCheck>();
            foreach (var r in reports) checks.AddRange(r.Checks);
            Checks = checks;
        }

        public GateStep Step { get; }
        /// <summary>1-based position in gate order.</summary>
        public int Order { get; }
        /// <summary>The step's snake_case name (runtime, promotion, rollback, rollback_rehearsal, ...).</summary>
        public string Name { get; }
        /// <summary>A heading for people.</summary>
        public string Title { get; }
        /// <summary>Upstream's fallback_reason when this step is the first to fail.</summary>
        public string Reason { get; }
        /// <summary>False only for the drill schedule when no schedule is configured (docs/design/README.md §4.10).</summary>
        public bool InGate { get; }
        /// <summary>The status of the step's own report.</summary>
        public ReportStatus Status { get; }
        /// <summary>The step's rule holds (whether or not the step is in the gate).</summary>
        public bool Passed { get; }
        /// <summary>The step is in the gate and its rule does not hold: promoted mode cannot select Go.</summary>
        public bool Blocking => InGate && !Passed;
        /// <summary>The reports the step reads, in order; the promotion step shows deployment readiness before its own report.</summary>
        public IReadOnlyList<ReadinessReport> Reports { get; }
        /// <summary>Every check of <see cref="Reports"/>, in report order.</summary>
        public IReadOnlyList<ReadinessCheck> Checks { get; }
        /// <summary>The checks that make a blocking step fail (empty unless <see cref="Blocking"/>).</summary>
        public IReadOnlyList<ReadinessCheck> BlockingChecks { get; }

        public override string ToString() => $"{Order}. {Name}: {CanonicalName.Of(Status)}{(Blocking ? " (blocking)" : InGate ? "" : " (not in gate)")}";

        /// <summary>The gate's steps in order with their rules (docs/design/readiness.md §10.1).</summary>
        internal static IReadOnlyList<GateStepResult> Evaluate(BackendReadinessReport runtime, DeploymentReadinessReport deployment,
            PromotionReadinessReport promotion, RollbackReadinessReport rollback, RollbackRehearsalReport rehearsal,
            RollbackDrillHistoryReport drillHistory, RollbackDrillScheduleReport drillSchedule, bool scheduleInGate)
        {
            // Runtime: every runtime check but the opt-in, which the configured mode (not the gate) decides.
            var runtimeBlocking = new List<ReadinessCheck>();
            foreach (var c in runtime.Checks) if (c.Blocking && c.Id != "go_backend_opt_in") runtimeBlocking.Add(c);
            return new[]
            {
                new GateStepResult(GateStep.Runtime, 1, "Go runtime readiness", "go backend readiness check failed", true,
                    runtime.Status, runtimeBlocking.Count == 0, new ReadinessReport[] { runtime }, runtimeBlocking),
                new GateStepResult(GateStep.Promotion, 2, "Promotion readiness: deployment, parity evidence and approval",
                    "go backend promotion readiness check failed", true, promotion.Status, promotion.Status == ReportStatus.Ready,
                    new ReadinessReport[] { deployment, promotion }, Failing(promotion)),
                Simple(GateStep.Rollback, 3, "Rollback plan", "go backend rollback readiness check failed", rollback),
                Simple(GateStep.RollbackRehearsal, 4, "Rollback rehearsal", "go backend rollback rehearsal check failed", rehearsal),
                Simple(GateStep.RollbackDrillHistory, 5, "Rollback drill history", "go backend rollback drill history check failed", drillHistory),
                // The schedule's rule is its status (upstream's) and, when connectors are configured, notification recovery
                // (docs/design/notifications.md §9); the report says which checks block.
                new GateStepResult(GateStep.RollbackDrillSchedule, 6, "Rollback drill schedule", "go backend rollback drill schedule check failed",
                    scheduleInGate, drillSchedule.Status, drillSchedule.GatePassed, new ReadinessReport[] { drillSchedule }, drillSchedule.GateBlockingChecks),
            };
        }

        private static GateStepResult Simple(GateStep step, int order, string title, string reason, ReadinessReport report) =>
            new GateStepResult(step, order, title, reason, true, report.Status, report.Status == ReportStatus.Ready,
                new[] { report }, Failing(report));

        private static IReadOnlyList<ReadinessCheck> Failing(ReadinessReport report) => new List<ReadinessCheck>(report.FailingChecks);
    }
}
