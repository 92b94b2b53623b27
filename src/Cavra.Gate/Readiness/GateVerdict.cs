using System;
using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Would promoted mode select the Go runtime right now, and if not, which gate step stops it first and why.
    /// The gate is always evaluated as promoted mode evaluates it (every section requested), over one snapshot of
    /// the evidence files; <see cref="GoSelected"/> additionally requires the configured mode to be promoted.
    /// </summary>
    public sealed class GateVerdict : ICanonicalJson
    {
        public const string Schema = "cavra.powershell.go-promotion-verdict.v1";

        private GateVerdict(BackendMode configuredMode, DateTimeOffset evaluatedAt, BackendReadinessReport runtime,
            PromotionReadinessReport promotion, RollbackReadinessReport rollback, RollbackRehearsalReport rehearsal,
            RollbackDrillHistoryReport drillHistory, RollbackDrillScheduleReport drillSchedule, bool scheduleInGate)
        {
            Mode = configuredMode;
            EvaluatedAt = evaluatedAt;
            Runtime = runtime;
            Deployment = promotion.Deployment;
            Promotion = promotion;
            Rollback = rollback;
            RollbackRehearsal = rehearsal;
            RollbackDrillHistory = drillHistory;
            RollbackDrillSchedule = drillSchedule;
            ScheduleInGate = scheduleInGate;
            Steps = GateStepResult.Evaluate(runtime, promotion.Deployment, promotion, rollback, rehearsal, drillHistory, drillSchedule, scheduleInGate);
            (FailedStep, FallbackReason, BlockingChecks) = FirstFailure();
        }

        /// <summary>The configured mode.</summary>
        public BackendMode Mode { get; }
        public DateTimeOffset EvaluatedAt { get; }
        /// <summary>Every gate step passes: promoted mode would select Go.</summary>
        public bool GatePassed => FailedStep == GateStep.None;
        /// <summary>The configured mode is promoted and every gate step passes, so Go would be selected now.</summary>
        public bool GoSelected => Mode == BackendMode.Promoted && GatePassed;
        /// <summary>"go" when <see cref="GoSelected"/>, otherwise "dotnet": the built-in .NET engine stays authoritative.</summary>
        public string SelectedBackend => GoSelected ? "go" : "dotnet";
        public GateStep FailedStep { get; }
        /// <summary>Upstream's fallback_reason for the first failing step ("" when the gate passes).</summary>
        public string FallbackReason { get; }
        /// <summary>The failing checks of the first failing step.</summary>
        public IReadOnlyList<ReadinessCheck> BlockingChecks { get; }
        /// <summary>The drill schedule joins the gate only when a schedule is configured (docs/design/README.md §4.10).</summary>
        public bool ScheduleInGate { get; }

        public BackendReadinessReport Runtime { get; }
        public DeploymentReadinessReport Deployment { get; }
        public PromotionReadinessReport Promotion { get; }
        public RollbackReadinessReport Rollback { get; }
        public RollbackRehearsalReport RollbackRehearsal { get; }
        public RollbackDrillHistoryReport RollbackDrillHistory { get; }
        public RollbackDrillScheduleReport RollbackDrillSchedule { get; }

        /// <summary>Every section report, in gate order.</summary>
        public IReadOnlyList<ReadinessReport> Sections =>
            new ReadinessReport[] { Runtime, Deployment, Promotion, Rollback, RollbackRehearsal, RollbackDrillHistory, RollbackDrillSchedule };

        /// <summary>The gate's steps in gate order, each with its reports, checks and whether it blocks.</summary>
        public IReadOnlyList<GateStepResult> Steps { get; }

        /// <summary>Every check, in any section, that is not pass.</summary>
        public IReadOnlyList<ReadinessCheck> AttentionChecks
        {
            get
            {
                var list = new List<ReadinessCheck>();
                foreach (var section in Sections)
                {
                    if (section == RollbackDrillSchedule && !ScheduleInGate) continue;
                    foreach (var c in section.Checks) if (!c.Passed && c.Id != "go_backend_opt_in") list.Add(c);
                }
                return list;
            }
        }

        /// <summary>One sentence for people: the outcome and, when Go is not selected, why.</summary>
        public string Summary
        {
            get
            {
                if (GoSelected) return "Promoted mode selects the Go runtime: every gate step passes.";
                if (GatePassed) return $"Every gate step passes, but the configured mode is {CanonicalName.Of(Mode)}: the built-in .NET backend stays authoritative.";
                return $"The built-in .NET backend stays authoritative: {FallbackReason}.";
            }
        }

        public override string ToString() => Summary;

        public static GateVerdict Evaluate(GateContext context)
        {
            var configured = context.Config;
            var promoted = configured.WithMode(BackendMode.Promoted);
            var gate = new GateContext(promoted, context.Files.Snapshot(), context.Clock);
            var promotion = PromotionReadinessReport.Evaluate(gate);
            var history = RollbackDrillHistoryReport.Evaluate(gate);
            return new GateVerdict(configured.Mode, context.Clock.GetUtcNow(), promotion.Backend, promotion,
                RollbackReadinessReport.Evaluate(gate), RollbackRehearsalReport.Evaluate(gate), history,
                RollbackDrillScheduleReport.Evaluate(gate), configured.ScheduleConfigured);
        }

        private (GateStep, string, IReadOnlyList<ReadinessCheck>) FirstFailure()
        {
            foreach (var step in Steps)
                if (step.Blocking) return (step.Step, step.Reason, step.BlockingChecks);
            return (GateStep.None, "", Array.Empty<ReadinessCheck>());
        }

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", Schema)
                .Property("mode", Mode)
                .Property("go_selected", GoSelected)
                .Property("gate_passed", GatePassed)
                .Property("selected_backend", SelectedBackend)
                .Property("failed_step", FailedStep == GateStep.None ? "" : CanonicalName.Of(FailedStep))
                .Property("fallback_reason", FallbackReason)
                .Property("summary", Summary)
                .Property("blocking_checks", BlockingChecks)
                .Property("evaluated_at", EvaluatedAt)
                .Property("schedule_in_gate", ScheduleInGate)
                .Property("readiness", Runtime)
                .Property("deployment_readiness", Deployment)
                .Property("promotion_readiness", Promotion)
                .Property("rollback_readiness", Rollback)
                .Property("rollback_rehearsal", RollbackRehearsal)
                .Property("rollback_drill_history", RollbackDrillHistory)
                .Property("rollback_drill_schedule", RollbackDrillSchedule)
                .EndObject();
        }
    }
}
