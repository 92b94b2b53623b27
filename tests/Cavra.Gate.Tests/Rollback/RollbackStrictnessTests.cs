using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using static Cavra.Gate.Tests.Rollback.RollbackFixture;
using JObject = System.Text.Json.Nodes.JsonObject;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Rollback;

/// <summary>
/// docs/design/README.md §4: no input makes a rollback report throw; every malformed file or shape is reported invalid, the report
/// is needs_attention, and a message names the problem. A UTF-8 BOM is the one accepted leniency.
/// </summary>
public sealed class RollbackStrictnessTests : IDisposable
{
    private readonly RollbackFixture _f = new();
    public void Dispose() => _f.Dispose();

    public static readonly string[] Inputs = { Plan, Rehearsal, Drills, Schedule };

    /// <summary>The report that judges each input, and the check that carries the file's own message.</summary>
    private ReadinessReport EvaluateFor(string input, InputFiles? files = null)
    {
        var ctx = _f.Context(null, files);
        return input switch
        {
            Plan => RollbackReadinessReport.Evaluate(ctx),
            Rehearsal => RollbackRehearsalReport.Evaluate(ctx),
            Drills => RollbackDrillHistoryReport.Evaluate(ctx),
            _ => RollbackDrillScheduleReport.Evaluate(ctx),
        };
    }

    private static string FileCheckId(string input) => input switch
    {
        Plan => "go_rollback_plan",
        Rehearsal => "go_rollback_rehearsal_evidence",
        Drills => "go_rollback_drill_history_file",
        _ => "go_rollback_drill_schedule_file",
    };

    private static JObject ValidDoc(string input) => input switch
    {
        Plan => PlanDoc(),
        Rehearsal => RehearsalDoc(),
        Drills => DrillsDoc(),
        _ => ScheduleDoc(),
    };

    private static string ValidText(string input) => ValidDoc(input).ToJsonString();

    // ---- file-level cases -----------------------------------------------------------------------------------

    public static IEnumerable<object[]> FileCases() =>
        from input in Inputs
        from c in new[] { "duplicate-key", "nan", "infinity", "invalid-utf8", "empty", "whitespace", "directory", "unreadable", "two-mib",
                          "deep-nesting", "top-level-list", "top-level-null", "truncated", "missing", "trailing-data" }
        select new object[] { input, c };

    [Theory]
    [MemberData(nameof(FileCases))]
    public void Malformed_files_are_invalid_with_a_message_never_an_exception(string input, string kind)
    {
        InputFiles? files = null;
        string valid = ValidText(input);
        string expected;
        switch (kind)
        {
            case "duplicate-key":
                _f.Write(input, valid.Insert(1, "\"schema_version\":\"x\","));
                expected = "metadata JSON is invalid: Duplicate key \"schema_version\"";
                break;
            case "nan":
                _f.Write(input, valid.Insert(1, "\"extra\":NaN,"));
                expected = "metadata JSON is invalid: NaN is not a valid JSON number";
                break;
            case "infinity":
                _f.Write(input, valid.Insert(1, "\"extra\":-Infinity,"));
                expected = "metadata JSON is invalid: -Infinity is not a valid JSON number";
                break;
            case "invalid-utf8":
                var bytes = Encoding.UTF8.GetBytes(valid.Insert(1, "\"extra\":\"x\","));
                bytes[10] = 0xFF;
                _f.WriteBytes(input, bytes);
                expected = "metadata JSON is invalid: file is not valid UTF-8";
                break;
            case "empty":
                _f.Write(input, "");
                expected = "metadata JSON is invalid: file is empty";
                break;
            case "whitespace":
                _f.Write(input, " \n ");
                expected = "metadata JSON is invalid: Expecting value";
                break;
            case "directory":
                File.Delete(_f.PathOf(input));
                Directory.CreateDirectory(_f.PathOf(input));
                expected = "metadata file is missing";
                break;
            case "unreadable":
                files = new InputFiles(_f.Dir)
                {
                    OpenRead = p => p.EndsWith(input, StringComparison.Ordinal)
                        ? throw new UnauthorizedAccessException("denied")
                        : new FileStream(p, FileMode.Open, FileAccess.Read),
                };
                expected = "metadata file could not be read: permission denied";
                break;
            case "two-mib":
                _f.Write(input, valid.Insert(1, "\"padding\":\"" + new string('x', 2 * 1024 * 1024) + "\","));
                expected = "metadata file is larger than 1 MiB";
                break;
            case "deep-nesting":
                // the document itself is level 1: 64 nested arrays make 65 levels
                _f.Write(input, valid.Insert(1, "\"deep\":" + new string('[', 64) + new string(']', 64) + ","));
                expected = "metadata JSON is invalid: JSON nesting is deeper than 64 levels";
                break;
            case "top-level-list":
                _f.Write(input, "[" + valid + "]");
                expected = "metadata JSON must be an object";
                break;
            case "top-level-null":
                _f.Write(input, "null");
                expected = "metadata JSON must be an object";
                break;
            case "truncated":
                _f.Write(input, valid[..(valid.Length / 2)]);
                expected = "metadata JSON is invalid: ";
                break;
            case "missing":
                File.Delete(_f.PathOf(input));
                expected = "metadata file is missing";
                break;
            default: // trailing-data
                _f.Write(input, valid + " {}");
                expected = "metadata JSON is invalid: Extra data";
                break;
        }

        var report = EvaluateFor(input, files);
        Assert.Equal(ReportStatus.NeedsAttention, report.Status);
        var check = Check(report, FileCheckId(input));
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.StartsWith(expected, check.Message);
        Assert.NotNull(report.ToJson());
    }

    [Fact]
    public void Nesting_of_exactly_64_levels_is_accepted()
    {
        _f.Write(Plan, ValidText(Plan).Insert(1, "\"deep\":" + new string('[', 63) + new string(']', 63) + ","));
        Assert.Equal(ReportStatus.Ready, EvaluateFor(Plan).Status);
    }

    [Theory]
    [MemberData(nameof(InputData))]
    public void A_utf8_byte_order_mark_is_accepted(string input)
    {
        _f.WriteBytes(input, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(ValidText(input))).ToArray());
        var report = EvaluateFor(input);
        Assert.Equal(ReportStatus.Ready, report.Status);
        Assert.True(Check(report, FileCheckId(input)).Passed);
    }

    public static IEnumerable<object[]> InputData() => Inputs.Select(i => new object[] { i });

    // ---- shape-level cases: (input, member path, raw JSON or null to remove, check id, message fragment) -------

    private static readonly (string Input, string Path, string? Raw, string CheckId, string Message)[] ShapeTable =
    {
        // rollback plan
        (Plan, "schema_version", null, "go_rollback_plan", "rollback plan has an invalid schema_version"),
        (Plan, "schema_version", "null", "go_rollback_plan", "rollback plan has an invalid schema_version"),
        (Plan, "schema_version", "[\"cavra.go-backend-rollback-plan.v1\"]", "go_rollback_plan", "rollback plan has an invalid schema_version"),
        (Plan, "status", null, "go_rollback_plan", "rollback plan must record status=ready"),
        (Plan, "status", "true", "go_rollback_plan", "rollback plan must record status=ready"),
        (Plan, "target_mode", null, "go_rollback_disable_path", "rollback plan must set target_mode=disabled"),
        (Plan, "target_mode", "null", "go_rollback_plan", "rollback plan target_mode must be a string"),
        (Plan, "target_mode", "0", "go_rollback_disable_path", "rollback plan must set target_mode=disabled"),
        (Plan, "controls", null, "go_rollback_controls", "rollback plan is missing controls: dotnet-fallback-available, evidence-capture-enabled"),
        (Plan, "controls", "null", "go_rollback_plan", "rollback plan controls must be a list of strings"),
        (Plan, "controls", "12", "go_rollback_plan", "rollback plan controls must be a list of strings"),
        (Plan, "controls", "\"python-fallback-available\"", "go_rollback_controls", "rollback plan controls must be a list of strings"),
        (Plan, "controls", "{}", "go_rollback_controls", "rollback plan controls must be a list of strings"),
        (Plan, "controls", "[[\"python-fallback-available\"]]", "go_rollback_plan", "rollback plan controls must be a list of strings"),
        (Plan, "rollback_steps", null, "go_rollback_plan", "rollback plan must include rollback_steps as a non-empty list of strings"),
        (Plan, "rollback_steps", "null", "go_rollback_plan", "rollback plan must include rollback_steps as a non-empty list of strings"),
        (Plan, "rollback_steps", "[]", "go_rollback_plan", "rollback plan must include rollback_steps as a non-empty list of strings"),
        (Plan, "rollback_steps", "\"Set mode disabled\"", "go_rollback_plan", "rollback plan must include rollback_steps as a non-empty list of strings"),
        (Plan, "rollback_steps", "[\"ok\", null]", "go_rollback_plan", "rollback plan must include rollback_steps as a non-empty list of strings"),
        (Plan, "evidence_refs", "null", "go_rollback_plan", "rollback evidence_refs must be a list of strings"),
        (Plan, "evidence_refs", "{\"a\": \"b\"}", "go_rollback_plan", "rollback evidence_refs must be a list of strings"),
        (Plan, "evidence_refs", "[1]", "go_rollback_plan", "rollback evidence_refs must be a list of strings"),
        (Plan, "max_recovery_minutes", null, "go_rollback_plan", "rollback plan must include positive max_recovery_minutes"),
        (Plan, "max_recovery_minutes", "null", "go_rollback_plan", "rollback plan must include positive max_recovery_minutes"),
        (Plan, "max_recovery_minutes", "\"15\"", "go_rollback_plan", "rollback plan must include positive max_recovery_minutes"),
        (Plan, "max_recovery_minutes", "true", "go_rollback_plan", "rollback plan must include positive max_recovery_minutes"),
        (Plan, "max_recovery_minutes", "-15", "go_rollback_plan", "rollback plan must include positive max_recovery_minutes"),
        (Plan, "approved", "\"true\"", "go_rollback_plan", "rollback plan approved must be true or false"),
        (Plan, "approved", "null", "go_rollback_approval", "rollback plan must be approved"),
        (Plan, "approval", "\"approved\"", "go_rollback_plan", "rollback plan approval must be an object"),
        (Plan, "approval", "{\"status\": 1}", "go_rollback_plan", "rollback plan approval.status must be a string"),
        (Plan, "approval_id", "42", "go_rollback_plan", "rollback plan approval_id must be a string"),

        // rollback rehearsal
        (Rehearsal, "schema_version", null, "go_rollback_rehearsal_evidence", "rollback rehearsal evidence has an invalid schema_version"),
        (Rehearsal, "status", "null", "go_rollback_rehearsal_evidence", "rollback rehearsal evidence must record status=pass"),
        (Rehearsal, "status", "\"PASS\"", "go_rollback_rehearsal_evidence", "rollback rehearsal evidence must record status=pass"),
        (Rehearsal, "runbook_ref", null, "go_rollback_rehearsal_evidence", "rollback rehearsal evidence must include runbook_ref"),
        (Rehearsal, "runbook_ref", "null", "go_rollback_rehearsal_evidence", "rollback rehearsal runbook_ref must be a string"),
        (Rehearsal, "runbook_ref", "[\"docs/x.md\"]", "go_rollback_rehearsal_evidence", "rollback rehearsal runbook_ref must be a string"),
        (Rehearsal, "evidence_refs", null, "go_rollback_rehearsal_evidence_refs", "rollback rehearsal must include evidence_refs"),
        (Rehearsal, "evidence_refs", "null", "go_rollback_rehearsal_evidence", "rollback rehearsal evidence_refs must be a non-empty list of strings"),
        (Rehearsal, "evidence_refs", "\"go-rollback-rehearsal://x\"", "go_rollback_rehearsal_evidence", "rollback rehearsal evidence_refs must be a non-empty list of strings"),
        (Rehearsal, "evidence_refs", "[{}]", "go_rollback_rehearsal_evidence", "rollback rehearsal evidence_refs must be a non-empty list of strings"),
        (Rehearsal, "simulated", null, "go_rollback_rehearsal_simulated", "rollback rehearsal must be marked simulated=true"),
        (Rehearsal, "simulated", "\"true\"", "go_rollback_rehearsal_evidence", "rollback rehearsal simulated must be true or false"),
        (Rehearsal, "simulated", "1", "go_rollback_rehearsal_simulated", "rollback rehearsal must be marked simulated=true"),
        (Rehearsal, "fallback_verified", "null", "go_rollback_rehearsal_evidence", "rollback rehearsal fallback_verified must be true or false"),
        (Rehearsal, "fallback_verified", null, "go_rollback_rehearsal_fallback_verified", "rollback rehearsal must verify built-in .NET backend fallback restoration"),
        (Rehearsal, "recovery_minutes", null, "go_rollback_rehearsal_recovery_sla", "rollback rehearsal recovery_minutes must be positive"),
        (Rehearsal, "recovery_minutes", "\"6\"", "go_rollback_rehearsal_evidence", "rollback rehearsal recovery_minutes must be a number"),
        (Rehearsal, "recovery_minutes", "0", "go_rollback_rehearsal_recovery_sla", "rollback rehearsal recovery_minutes must be positive"),
        (Rehearsal, "max_recovery_minutes", "null", "go_rollback_rehearsal_evidence", "rollback rehearsal max_recovery_minutes must be a number"),
        (Rehearsal, "max_recovery_minutes", "60", "go_rollback_rehearsal_evidence", "rollback rehearsal max_recovery_minutes (60) must not exceed the rollback plan's max_recovery_minutes (15)"),
        (Rehearsal, "plan_approval_id", "7", "go_rollback_rehearsal_evidence", "rollback rehearsal plan_approval_id must be a string"),
        (Rehearsal, "plan_approval_id", "\"apr_someone_else\"", "go_rollback_rehearsal_evidence", "rollback rehearsal plan_approval_id must match the rollback plan approval_id"),

        // rollback drill history
        (Drills, "schema_version", "\"cavra.go-backend-rollback-drill-history.v2\"", "go_rollback_drill_history_file", "rollback drill history has an invalid schema_version"),
        (Drills, "drills", null, "go_rollback_drill_history_file", "rollback drill history must include a non-empty drills list"),
        (Drills, "drills", "null", "go_rollback_drill_history_file", "rollback drill history must include a non-empty drills list"),
        (Drills, "drills", "{}", "go_rollback_drill_history_file", "rollback drill history must include a non-empty drills list"),
        (Drills, "drills", "\"drill\"", "go_rollback_drill_history_file", "rollback drill history must include a non-empty drills list"),
        (Drills, "drills", "[]", "go_rollback_drill_history_file", "rollback drill history must include a non-empty drills list"),
        (Drills, "drills", "[null, 3]", "go_rollback_drill_history_file", "rollback drill history has no parseable drills"),
        (Drills, "drills[0].executed_at", null, "go_rollback_drill_history_file", "latest rollback drill must include valid executed_at timestamp"),
        (Drills, "drills[0].executed_at", "null", "go_rollback_drill_history_file", "latest rollback drill must include valid executed_at timestamp"),
        (Drills, "drills[0].executed_at", "1764158400", "go_rollback_drill_history_file", "latest rollback drill must include valid executed_at timestamp"),
        (Drills, "drills[0].executed_at", "\"2026-11-25\"", "go_rollback_drill_freshness", "Latest rollback drill is within the maximum age."), // date-only parses
        (Drills, "drills[0].executed_at", "\"2026-11-26T12:06:00+00:00\"", "go_rollback_drill_history_file", "latest rollback drill executed_at is in the future"),
        (Drills, "drills[0].executed_at", "\"2026-08-27T12:00:00+00:00\"", "go_rollback_drill_freshness", "latest rollback drill is missing, invalid, or stale"),
        (Drills, "drills[0].status", "null", "go_rollback_drill_history_file", "rollback drill history drills[0].status must be a string"),
        (Drills, "drills[0].status", null, "go_rollback_drill_latest_passed", "latest rollback drill must record status=pass"),
        (Drills, "drills[0].target_mode", "false", "go_rollback_drill_history_file", "rollback drill history drills[0].target_mode must be a string"),
        (Drills, "drills[0].fallback_verified", "\"yes\"", "go_rollback_drill_history_file", "rollback drill history drills[0].fallback_verified must be true or false"),
        (Drills, "drills[0].recovery_minutes", "\"7\"", "go_rollback_drill_history_file", "rollback drill history drills[0].recovery_minutes must be a number"),
        (Drills, "drills[0].max_recovery_minutes", "[15]", "go_rollback_drill_history_file", "rollback drill history drills[0].max_recovery_minutes must be a number"),
        (Drills, "drills[0].drill_id", "5", "go_rollback_drill_history_file", "rollback drill history drills[0].drill_id must be a string"),
        (Drills, "drills[0].runbook_ref", "null", "go_rollback_drill_history_file", "latest rollback drill runbook_ref must be a string"),
        (Drills, "drills[0].runbook_ref", null, "go_rollback_drill_history_file", "latest rollback drill must include runbook_ref"),
        (Drills, "drills[0].evidence_refs", "null", "go_rollback_drill_history_file", "latest rollback drill must include evidence_refs as a non-empty list of strings"),
        (Drills, "drills[0].evidence_refs", "[]", "go_rollback_drill_history_file", "latest rollback drill must include evidence_refs as a non-empty list of strings"),
        (Drills, "environment", "{}", "go_rollback_drill_history_file", "rollback drill history environment must be a string"),

        // rollback drill schedule
        (Schedule, "schema_version", "\"\"", "go_rollback_drill_schedule_file", "rollback drill schedule has an invalid schema_version"),
        (Schedule, "schedule_id", null, "go_rollback_drill_schedule_file", "rollback drill schedule must include schedule_id"),
        (Schedule, "schedule_id", "null", "go_rollback_drill_schedule_file", "rollback drill schedule schedule_id must be a string"),
        (Schedule, "runbook_ref", "null", "go_rollback_drill_schedule_file", "rollback drill schedule runbook_ref must be a string"),
        (Schedule, "runbook_ref", "\"\"", "go_rollback_drill_schedule_file", "rollback drill schedule must include runbook_ref"),
        (Schedule, "status", null, "go_rollback_drill_schedule_active", "rollback drill schedule must set status=active"),
        (Schedule, "status", "true", "go_rollback_drill_schedule_file", "rollback drill schedule status must be a string"),
        (Schedule, "interval_days", null, "go_rollback_drill_schedule_cadence", "rollback drill schedule must include positive interval_days"),
        (Schedule, "interval_days", "\"30\"", "go_rollback_drill_schedule_file", "rollback drill schedule interval_days must be a number"),
        (Schedule, "interval_days", "-30", "go_rollback_drill_schedule_cadence", "rollback drill schedule must include positive interval_days"),
        (Schedule, "owners", null, "go_rollback_drill_schedule_file", "rollback drill schedule owners must be a non-empty list of strings"),
        (Schedule, "owners", "null", "go_rollback_drill_notification_routes", "rollback drill schedule must include owners and notification_providers"),
        (Schedule, "owners", "\"release-governance\"", "go_rollback_drill_schedule_file", "rollback drill schedule owners must be a non-empty list of strings"),
        (Schedule, "notification_providers", "[\"slack\", 2]", "go_rollback_drill_schedule_file", "rollback drill notification_providers must be a non-empty list of strings"),
        (Schedule, "notification_providers", "[]", "go_rollback_drill_notification_routes", "rollback drill schedule must include owners and notification_providers"),
        (Schedule, "owner_routes", "null", "go_rollback_drill_schedule_file", "rollback drill owner_routes must be an object or list when configured"),
        (Schedule, "owner_routes", "\"slack\"", "go_rollback_drill_schedule_file", "rollback drill owner_routes must be an object or list when configured"),
        (Schedule, "routing_rules", "5", "go_rollback_drill_schedule_file", "rollback drill owner_routes must be an object or list when configured"),
        (Schedule, "maintenance_windows", "null", "go_rollback_drill_schedule_file", "rollback drill maintenance_windows must be a list when configured"),
        (Schedule, "owner_calendars", "[]", "go_rollback_drill_schedule_file", "rollback drill owner_calendars must be an object when configured"),
        (Schedule, "next_due_at", "null", "go_rollback_drill_schedule_file", "rollback drill schedule next_due_at must be an ISO 8601 timestamp"),
        (Schedule, "next_due_at", "20261226", "go_rollback_drill_schedule_file", "rollback drill schedule next_due_at must be an ISO 8601 timestamp"),
        (Schedule, "next_due_at", "\"2026-12-26T12:00:00z\"", "go_rollback_drill_schedule_file", "rollback drill schedule next_due_at must be an ISO 8601 timestamp"),
        (Schedule, "next_due_at", "\"2026-11-20T12:00:00+00:00\"", "go_rollback_drill_schedule_not_stale", "rollback drill schedule is stale and requires notification"),
        (Schedule, "environment", "7", "go_rollback_drill_schedule_file", "rollback drill schedule environment must be a string"),
    };

    public static IEnumerable<object[]> ShapeCases() => Enumerable.Range(0, ShapeTable.Length)
        .Select(i => new object[] { i, $"{ShapeTable[i].Input} {ShapeTable[i].Path}={ShapeTable[i].Raw ?? "(absent)"}" });

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void Malformed_shapes_are_invalid_with_a_message_never_an_exception(int index, string name)
    {
        var (input, path, raw, checkId, message) = ShapeTable[index];
        _f.Write(input, Mutate(ValidDoc(input), path, raw));
        var report = EvaluateFor(input);
        var check = Check(report, checkId);
        Assert.Contains(message, check.Message);
        Assert.NotNull(report.ToJson());
        if (checkId == "go_rollback_drill_freshness" && message.StartsWith("Latest", StringComparison.Ordinal))
        {
            Assert.Equal(ReportStatus.Ready, report.Status); // the one accepted variant in the table (date-only executed_at)
            return;
        }
        Assert.True(report.Status == ReportStatus.NeedsAttention, $"{name}: {report.Status}");
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal(CheckStatus.Warn, Check(report, FileCheckId(input)).Status);
    }

    [Fact]
    public void Wrong_types_in_an_older_drill_also_invalidate_the_history()
    {
        var older = Drill("older", Now.AddDays(-30));
        older["evidence_refs"] = "go-rollback-drill://x";
        older["executed_at"] = 20261026;
        _f.Write(Drills, DrillsDoc(Drill("latest", Now.AddDays(-1)), older));
        var report = EvaluateFor(Drills);
        Assert.Equal(ReportStatus.NeedsAttention, report.Status);
        Assert.Equal("rollback drill history drills[1].executed_at must be a string; rollback drill history drills[1].evidence_refs must be a list of strings",
            Check(report, "go_rollback_drill_history_file").Message);
        Assert.Equal("latest", ((RollbackDrillHistoryReport)report).History.LatestDrillId);
    }

    [Fact]
    public void Every_shape_case_and_input_is_covered()
    {
        foreach (var input in Inputs) Assert.Contains(ShapeTable, c => c.Input == input && c.Raw == null);   // missing fields
        foreach (var input in Inputs) Assert.Contains(ShapeTable, c => c.Input == input && c.Raw == "null"); // nulls
    }
}
