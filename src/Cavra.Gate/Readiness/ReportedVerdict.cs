using System;
using System.Collections.Generic;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// A gate verdict as a report page shows it: plain text and flags, no live engine objects. Built from a live
    /// <see cref="GateVerdict"/> here, or by a host from a verdict received through a job, remoting or Import-Clixml,
    /// so a received verdict renders exactly as the live one did (docs/design/admin-views.md, "Received verdicts").
    /// </summary>
    public sealed class ReportedVerdict
    {
        public ReportedVerdict(string mode, DateTimeOffset evaluatedAt, bool gatePassed, bool goSelected, string selectedBackend,
            string failedStep, string fallbackReason, string summary, bool scheduleInGate,
            IReadOnlyList<ReportedCheck> blockingChecks, IReadOnlyList<ReportedStep> steps)
        {
            Mode = mode; EvaluatedAt = evaluatedAt; GatePassed = gatePassed; GoSelected = goSelected; SelectedBackend = selectedBackend;
            FailedStep = failedStep; FallbackReason = fallbackReason; Summary = summary; ScheduleInGate = scheduleInGate;
            BlockingChecks = blockingChecks; Steps = steps;
        }

        /// <summary>snake_case, as in JSON (promoted, rollback_rehearsal, ...).</summary>
        public string Mode { get; }
        public DateTimeOffset EvaluatedAt { get; }
        public bool GatePassed { get; }
        public bool GoSelected { get; }
        public string SelectedBackend { get; }
        /// <summary>snake_case; "" when the gate passes.</summary>
        public string FailedStep { get; }
        public string FallbackReason { get; }
        public string Summary { get; }
        public bool ScheduleInGate { get; }
        public IReadOnlyList<ReportedCheck> BlockingChecks { get; }
        public IReadOnlyList<ReportedStep> Steps { get; }

        public static ReportedVerdict From(GateVerdict v)
        {
            if (v == null) throw new ArgumentNullException(nameof(v));
            var steps = new List<ReportedStep>();
            foreach (var s in v.Steps)
            {
                var sections = new List<ReportedSection>();
                foreach (var r in s.Reports) sections.Add(new ReportedSection(r.Section, CanonicalName.Of(r.Status), r.SchemaVersion, Checks(r.Checks)));
                steps.Add(new ReportedStep(s.Order, s.Name, s.Title, s.Reason, s.InGate, s.Passed, CanonicalName.Of(s.Status), sections));
            }
            return new ReportedVerdict(CanonicalName.Of(v.Mode), v.EvaluatedAt, v.GatePassed, v.GoSelected, v.SelectedBackend,
                v.GatePassed ? "" : CanonicalName.Of(v.FailedStep), v.FallbackReason, v.Summary, v.ScheduleInGate, Checks(v.BlockingChecks), steps);
        }

        private static IReadOnlyList<ReportedCheck> Checks(IEnumerable<ReadinessCheck> checks)
        {
            var list = new List<ReportedCheck>();
            foreach (var c in checks) list.Add(new ReportedCheck(c.Id, c.Outcome, c.Message, CheckDetails.Lines(c)));
            return list;
        }
    }

    /// <summary>One gate step of a <see cref="ReportedVerdict"/>.</summary>
    public sealed class ReportedStep
    {
        public ReportedStep(int order, string name, string title, string reason, bool inGate, bool passed, string status, IReadOnlyList<ReportedSection> sections)
        {
            Order = order; Name = name; Title = title; Reason = reason; InGate = inGate; Passed = passed; Status = status; Sections = sections;
        }

        public int Order { get; }
        public string Name { get; }
        public string Title { get; }
        public string Reason { get; }
        public bool InGate { get; }
        public bool Passed { get; }
        public bool Blocking => InGate && !Passed;
        /// <summary>snake_case report status.</summary>
        public string Status { get; }
        public IReadOnlyList<ReportedSection> Sections { get; }
    }

    /// <summary>One report read by a step.</summary>
    public sealed class ReportedSection
    {
        public ReportedSection(string section, string status, string schemaVersion, IReadOnlyList<ReportedCheck> checks)
        {
            Section = section; Status = status; SchemaVersion = schemaVersion; Checks = checks;
        }

        public string Section { get; }
        public string Status { get; }
        public string SchemaVersion { get; }
        public IReadOnlyList<ReportedCheck> Checks { get; }
    }

    /// <summary>One check: its outcome for people (PASS/WARN/FAIL), message and details ("key: value" lines).</summary>
    public sealed class ReportedCheck
    {
        public ReportedCheck(string id, CheckOutcome outcome, string message, string details)
        {
            Id = id; Outcome = outcome; Message = message; Details = details;
        }

        public string Id { get; }
        public CheckOutcome Outcome { get; }
        public bool Passed => Outcome == CheckOutcome.Pass;
        public bool Blocking => Outcome == CheckOutcome.Fail;
        public string Message { get; }
        public string Details { get; }
    }
}
