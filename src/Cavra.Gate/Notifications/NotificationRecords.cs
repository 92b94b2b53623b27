using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Notifications
{
    /// <summary>One line of the notification ledger: a delivery, an approval decision, a retry execution or a closure
    /// (docs/design/notifications.md §6). Every line names its kind in <c>record_type</c>.</summary>
    public interface INotificationRecord : ICanonicalJson
    {
        /// <summary><c>delivery</c>, <c>retry_approval_decision</c>, <c>retry_execution</c> or <c>connector_recovery_closure</c>.</summary>
        string RecordType { get; }
    }

    /// <summary>A ledger line that is not a record this version can read: a wrong type, a missing field, an unknown
    /// <c>record_type</c>. The message names the field.</summary>
    public sealed class InvalidNotificationRecordException : FormatException
    {
        public InvalidNotificationRecordException(string message) : base(message) { }
    }

    /// <summary>
    /// Ids, hashes and reading shared by the notification records. An id is a prefix plus the first 16 hex digits of a
    /// SHA-256; every SHA-256 here is taken over the compact JSON of an object of the listed fields with its keys in
    /// ordinal order (upstream's <c>json.dumps(sort_keys=True)</c> idea), UTF-8, lower-case hex
    /// (docs/design/notifications.md §6).
    /// </summary>
    public static class NotificationRecords
    {
        public const string DeliveryType = "delivery";
        public const string DecisionType = "retry_approval_decision";
        public const string ExecutionType = "retry_execution";
        public const string ClosureType = "connector_recovery_closure";

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>The compact sorted-key JSON of <paramref name="fields"/> (nested lists kept in their order).</summary>
        public static string SortedJson(IEnumerable<KeyValuePair<string, object?>> fields)
        {
            var sorted = new SortedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var kv in fields) sorted[kv.Key] = kv.Value;
            return CanonicalJsonWriter.Serialize(sorted, indented: false);
        }

        /// <summary>Lower-case hex SHA-256 of the sorted-key JSON of <paramref name="fields"/>.</summary>
        public static string Sha256(IEnumerable<KeyValuePair<string, object?>> fields)
        {
            using (var sha = SHA256.Create()) return InputFiles.ToHex(sha.ComputeHash(Utf8.GetBytes(SortedJson(fields))));
        }

        /// <summary><paramref name="prefix"/> + the first 16 hex digits of <see cref="Sha256"/> of the fields.</summary>
        public static string Id(string prefix, IEnumerable<KeyValuePair<string, object?>> fields) => prefix + Sha256(fields).Substring(0, 16);

        /// <summary><see cref="Id(string, IEnumerable{KeyValuePair{string, object}})"/> over (name, value) pairs; every notification id uses this one rule.</summary>
        public static string Id(string prefix, params (string Name, object? Value)[] fields) => Id(prefix, Pairs(fields));

        /// <summary><see cref="Sha256(IEnumerable{KeyValuePair{string, object}})"/> over (name, value) pairs.</summary>
        public static string Sha256(params (string Name, object? Value)[] fields) => Sha256(Pairs(fields));

        private static IEnumerable<KeyValuePair<string, object?>> Pairs((string Name, object? Value)[] fields)
        {
            foreach (var (name, value) in fields) yield return new KeyValuePair<string, object?>(name, value);
        }

        internal static KeyValuePair<string, object?> F(string key, object? value) => new KeyValuePair<string, object?>(key, value);

        /// <summary>Reads one ledger line's object as the record its <c>record_type</c> names.</summary>
        /// <exception cref="InvalidNotificationRecordException">An unknown record_type, or a field missing or of the wrong type.</exception>
        public static INotificationRecord FromJson(JsonObject o)
        {
            if (o == null) throw new ArgumentNullException(nameof(o));
            string type = Fields.Text(o, "record_type");
            switch (type)
            {
                case DeliveryType: return DeliveryRecord.FromJson(o);
                case DecisionType: return RetryApprovalDecision.FromJson(o);
                case ExecutionType: return RetryExecutionRecord.FromJson(o);
                case ClosureType: return ConnectorRecoveryClosure.FromJson(o);
                default: throw new InvalidNotificationRecordException($"record_type '{type}' is not a notification record this version reads");
            }
        }

        /// <summary>The record as one compact JSON line (no newline), the ledger's form.</summary>
        public static string ToLine(INotificationRecord record)
        {
            var w = new CanonicalJsonWriter(indented: false);
            record.WriteJson(w);
            return w.ToString();
        }
    }

    /// <summary>Strict field reading for the records: a field missing or of the wrong type is an
    /// <see cref="InvalidNotificationRecordException"/> naming it.</summary>
    internal static class Fields
    {
        public static string Text(JsonObject o, string key, bool required = true)
        {
            var v = o.Get(key);
            if (v == null) { if (required) throw Missing(key); return ""; }
            if (v is JsonString s) return s.Value;
            throw Wrong(key, "a string", v);
        }

        public static string NonEmpty(JsonObject o, string key)
        {
            string s = Text(o, key);
            if (s.Length == 0) throw new InvalidNotificationRecordException($"field '{key}' must not be empty");
            return s;
        }

        public static string Time(JsonObject o, string key, bool allowEmpty = false)
        {
            string s = Text(o, key);
            if (s.Length == 0 && allowEmpty) return s;
            if (!IsoTimestamp.TryParse(s, out _)) throw new InvalidNotificationRecordException($"field '{key}' must be an ISO-8601 timestamp, not '{s}'");
            return s;
        }

        public static string OneOf(JsonObject o, string key, IReadOnlyList<string> allowed)
        {
            string s = Text(o, key);
            foreach (var a in allowed) if (a == s) return s;
            throw new InvalidNotificationRecordException($"field '{key}' must be one of {string.Join(", ", allowed)}, not '{s}'");
        }

        public static bool Bool(JsonObject o, string key)
        {
            var v = o.Get(key) ?? throw Missing(key);
            if (v is JsonBoolean b) return b.Value;
            throw Wrong(key, "true or false", v);
        }

        public static long Integer(JsonObject o, string key, long min = 0)
        {
            var v = o.Get(key) ?? throw Missing(key);
            return IntegerValue(key, v, min);
        }

        /// <summary>An integer that must fit an int: a ledger line with 2^32 attempts is invalid, not a wrapped count.</summary>
        public static int Int(JsonObject o, string key, int min = 0)
        {
            var v = o.Get(key) ?? throw Missing(key);
            return (int)IntegerValue(key, v, min, int.MaxValue);
        }

        public static int? NullableInt(JsonObject o, string key)
        {
            var v = o.Get(key) ?? throw Missing(key);
            if (v is JsonNull) return null;
            return (int)IntegerValue(key, v, 0, int.MaxValue);
        }

        private static long IntegerValue(string key, JsonValue v, long min, long max = long.MaxValue)
        {
            if (v is JsonNumber n && n.IsInteger && long.TryParse(n.Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            {
                if (l < min) throw new InvalidNotificationRecordException($"field '{key}' must be an integer of at least {min}, not {l}");
                if (l > max) throw new InvalidNotificationRecordException($"field '{key}' must be an integer of at most {max}, not {l}");
                return l;
            }
            throw Wrong(key, "an integer", v);
        }

        public static IReadOnlyList<string> Strings(JsonObject o, string key)
        {
            var v = o.Get(key) ?? throw Missing(key);
            if (!(v is JsonArray a)) throw Wrong(key, "a list of strings", v);
            var list = new List<string>(a.Count);
            foreach (var item in a.Items)
            {
                if (!(item is JsonString s)) throw Wrong(key, "a list of strings", v);
                list.Add(s.Value);
            }
            return list;
        }

        public static JsonArray Array(JsonObject o, string key)
        {
            var v = o.Get(key) ?? throw Missing(key);
            return v as JsonArray ?? throw Wrong(key, "a list", v);
        }

        /// <summary>The line is the record it is read as: its record_type and its schema_version.</summary>
        public static void Kind(JsonObject o, string recordType, string schema)
        {
            if (Text(o, "record_type") != recordType) throw new InvalidNotificationRecordException($"record_type must be {recordType}");
            Schema(o, schema);
        }

        public static void Schema(JsonObject o, string expected)
        {
            string s = Text(o, "schema_version");
            if (s != expected) throw new InvalidNotificationRecordException($"field 'schema_version' must be {expected}, not '{s}'");
        }

        public static InvalidNotificationRecordException Missing(string key) => new InvalidNotificationRecordException($"field '{key}' is missing");

        private static InvalidNotificationRecordException Wrong(string key, string what, JsonValue v) =>
            new InvalidNotificationRecordException($"field '{key}' must be {what}, not {Describe(v)}");

        private static string Describe(JsonValue v) => v.Kind switch
        {
            JsonKind.Object => "an object",
            JsonKind.Array => "a list",
            JsonKind.String => "a string",
            JsonKind.Number => "a number",
            JsonKind.Boolean => "a boolean",
            _ => "null",
        };
    }

    /// <summary>One HTTP attempt of a delivery (docs/design/notifications.md §5).</summary>
    public sealed class DeliveryAttempt : ICanonicalJson
    {
        public DeliveryAttempt(int number, int? statusCode, string error, string startedAt, long durationMs)
        {
            if (number < 1) throw new ArgumentOutOfRangeException(nameof(number), "attempts are numbered from 1");
            if (durationMs < 0) throw new ArgumentOutOfRangeException(nameof(durationMs));
            Number = number;
            StatusCode = statusCode;
            Error = error ?? "";
            StartedAt = startedAt ?? "";
            DurationMs = durationMs;
        }

        public DeliveryAttempt(int number, int? statusCode, string error, DateTimeOffset startedAt, long durationMs)
            : this(number, statusCode, error, IsoTimestamp.Format(startedAt), durationMs) { }

        public int Number { get; }
        /// <summary>The HTTP status, or null when no response came (timeout, connection closed).</summary>
        public int? StatusCode { get; }
        /// <summary>"" when the attempt succeeded; never contains a header value or URL credentials.</summary>
        public string Error { get; }
        public string StartedAt { get; }
        public long DurationMs { get; }

        /// <summary>"#2 500 HTTP 500 12 ms", "#3 no answer timed out after 10 s 10000 ms": what Format-List shows per attempt.</summary>
        public override string ToString()
        {
            string status = StatusCode.HasValue ? StatusCode.Value.ToString(CultureInfo.InvariantCulture) : "no answer";
            return Error.Length == 0 ? $"#{Number} {status} {DurationMs} ms" : $"#{Number} {status} {Error} {DurationMs} ms";
        }

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("number", Number)
            .Property("status_code", StatusCode)
            .Property("error", Error)
            .Property("started_at", StartedAt)
            .Property("duration_ms", DurationMs)
            .EndObject();

        public static DeliveryAttempt FromJson(JsonObject o) => new DeliveryAttempt(
            Fields.Int(o, "number", 1),
            Fields.NullableInt(o, "status_code"),
            Fields.Text(o, "error"),
            Fields.Time(o, "started_at"),
            Fields.Integer(o, "duration_ms"));
    }

    /// <summary>
    /// One delivery of one route of a notification plan to one connector, with every attempt (upstream's
    /// <c>cavra.connector.delivery.v1</c> item; docs/design/notifications.md §5). A failed delivery is an open failure of
    /// its provider until a live retry delivers it or a closure covers it (§9).
    /// </summary>
    public sealed class DeliveryRecord : INotificationRecord
    {
        public const string Schema = "cavra.connector.delivery.v1";
        public const string IdPrefix = "gordelivery-";

        public DeliveryRecord(string deliveryId, string planId, string routeKey, string scheduleId, string owner, string provider, string eventType,
            int attemptCount, int? statusCode, bool success, string deliveredAt, string error, string attemptedAt,
            IReadOnlyList<DeliveryAttempt> attempts, string retryOf)
        {
            DeliveryId = Required(deliveryId, nameof(deliveryId));
            PlanId = planId ?? "";
            RouteKey = routeKey ?? "";
            ScheduleId = scheduleId ?? "";
            Owner = owner ?? "";
            Provider = Required(provider, nameof(provider));
            EventType = eventType ?? "";
            if (attemptCount < 0) throw new ArgumentOutOfRangeException(nameof(attemptCount));
            AttemptCount = attemptCount;
            StatusCode = statusCode;
            Success = success;
            DeliveredAt = success ? deliveredAt ?? "" : "";
            Error = success ? "" : error ?? "";
            AttemptedAt = Required(attemptedAt, nameof(attemptedAt));
            Attempts = attempts ?? Array.Empty<DeliveryAttempt>();
            RetryOf = retryOf ?? "";
        }

        /// <summary>A new record with its id computed over plan_id, route_key, provider and attempted_at.</summary>
        public static DeliveryRecord Create(string planId, string routeKey, string scheduleId, string owner, string provider, string eventType,
            IReadOnlyList<DeliveryAttempt> attempts, bool success, DateTimeOffset attemptedAt, DateTimeOffset? deliveredAt, string error, string retryOf = "")
        {
            attempts ??= Array.Empty<DeliveryAttempt>();
            string at = IsoTimestamp.Format(attemptedAt);
            int? status = attempts.Count == 0 ? null : attempts[attempts.Count - 1].StatusCode;
            return new DeliveryRecord(ComputeId(planId, routeKey, provider, at), planId, routeKey, scheduleId, owner, provider, eventType,
                attempts.Count, status, success, success && deliveredAt.HasValue ? IsoTimestamp.Format(deliveredAt.Value) : "", error, at, attempts, retryOf);
        }

        public static string ComputeId(string planId, string routeKey, string provider, string attemptedAt) => NotificationRecords.Id(IdPrefix, new[]
        {
            NotificationRecords.F("plan_id", planId ?? ""), NotificationRecords.F("route_key", routeKey ?? ""),
            NotificationRecords.F("provider", provider ?? ""), NotificationRecords.F("attempted_at", attemptedAt ?? ""),
        });

        public string RecordType => NotificationRecords.DeliveryType;
        public string DeliveryId { get; }
        public string PlanId { get; }
        public string RouteKey { get; }
        public string ScheduleId { get; }
        public string Owner { get; }
        public string Provider { get; }
        public string EventType { get; }
        public int AttemptCount { get; }
        /// <summary>The last attempt's HTTP status, or null when it got no response.</summary>
        public int? StatusCode { get; }
        public bool Success { get; }
        /// <summary>"" unless <see cref="Success"/>.</summary>
        public string DeliveredAt { get; }
        /// <summary>"" on success; why the last attempt failed otherwise (never a secret).</summary>
        public string Error { get; }
        public string AttemptedAt { get; }
        public IReadOnlyList<DeliveryAttempt> Attempts { get; }
        /// <summary>"" or the id of the failed delivery this live retry repeats.</summary>
        public string RetryOf { get; }

        /// <summary>True when the id is the one <see cref="ComputeId"/> gives for the record's fields.</summary>
        public bool IdValid => DeliveryId == ComputeId(PlanId, RouteKey, Provider, AttemptedAt);

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("record_type", RecordType)
                .Property("schema_version", Schema)
                .Property("delivery_id", DeliveryId)
                .Property("plan_id", PlanId)
                .Property("route_key", RouteKey)
                .Property("schedule_id", ScheduleId)
                .Property("owner", Owner)
                .Property("provider", Provider)
                .Property("event_type", EventType)
                .Property("attempt_count", AttemptCount)
                .Property("status_code", StatusCode)
                .Property("success", Success)
                .Property("delivered_at", DeliveredAt)
                .Property("error", Error)
                .Property("attempted_at", AttemptedAt)
                .Property("attempts", Attempts)
                .Property("retry_of", RetryOf)
                .EndObject();
        }

        /// <exception cref="InvalidNotificationRecordException">A field is missing or of the wrong type.</exception>
        public static DeliveryRecord FromJson(JsonObject o)
        {
            Fields.Kind(o, NotificationRecords.DeliveryType, Schema);
            var attempts = new List<DeliveryAttempt>();
            var array = Fields.Array(o, "attempts");
            for (int i = 0; i < array.Count; i++)
            {
                if (!(array.Items[i] is JsonObject a)) throw new InvalidNotificationRecordException($"attempts[{i}] must be an object");
                try { attempts.Add(DeliveryAttempt.FromJson(a)); }
                catch (InvalidNotificationRecordException ex) { throw new InvalidNotificationRecordException($"attempts[{i}]: {ex.Message}"); }
            }
            bool success = Fields.Bool(o, "success");
            // The constructor drops what does not fit the outcome; a reader must not drop it silently.
            if (!success && Fields.Text(o, "delivered_at").Length > 0)
                throw new InvalidNotificationRecordException("field 'delivered_at' must be empty when success is false");
            if (success && Fields.Text(o, "error").Length > 0)
                throw new InvalidNotificationRecordException("field 'error' must be empty when success is true");
            int attemptCount = Fields.Int(o, "attempt_count", 0);
            if (attemptCount != attempts.Count)
                throw new InvalidNotificationRecordException($"field 'attempt_count' is {attemptCount} but attempts lists {attempts.Count}");
            return new DeliveryRecord(
                Fields.NonEmpty(o, "delivery_id"), Fields.Text(o, "plan_id"), Fields.Text(o, "route_key"), Fields.Text(o, "schedule_id"),
                Fields.Text(o, "owner"), Fields.NonEmpty(o, "provider"), Fields.Text(o, "event_type"), attemptCount,
                Fields.NullableInt(o, "status_code"), success, Fields.Time(o, "delivered_at", allowEmpty: !success), Fields.Text(o, "error"),
                Fields.Time(o, "attempted_at"), attempts, Fields.Text(o, "retry_of"));
        }

        public override string ToString() => $"{DeliveryId} {Provider} {(Success ? "delivered" : "failed")}";

        internal static string Required(string value, string name) =>
            string.IsNullOrEmpty(value) ? throw new ArgumentException(name + " must not be empty", name) : value;

        /// <summary>The value, when it is one of the allowed words; else an ArgumentException naming them.</summary>
        internal static string OneOf(string value, IReadOnlyList<string> allowed, string name, string what)
        {
            foreach (var s in allowed) if (s == value) return value;
            throw new ArgumentException(what + " must be one of " + string.Join(", ", allowed), name);
        }
    }

    /// <summary>
    /// An operator's decision on retrying one failed delivery to one provider (docs/design/notifications.md §7). The latest
    /// decision for a (delivery id, provider) scope is the one that counts; an approval lapses at <see cref="ExpiresAt"/>.
    /// </summary>
    public sealed class RetryApprovalDecision : INotificationRecord
    {
        public const string Schema = "cavra.go-backend-rollback-drill-notification-retry-execution-approval-decision.v1";
        public const string IdPrefix = "gordackretryapprovaldecision-";
        public static readonly IReadOnlyList<string> States = new[] { "approved", "denied", "deferred", "expired" };
        /// <summary>How long an approval lasts unless the operator says otherwise (Approve-CavraDeliveryRetry -ValidFor).</summary>
        public static readonly TimeSpan DefaultValidFor = TimeSpan.FromHours(24);

        public RetryApprovalDecision(string decisionId, string deliveryId, string provider, string approvalState, string decidedBy, string decidedAt,
            string expiresAt, string externalRef, string notes)
        {
            DecisionId = DeliveryRecord.Required(decisionId, nameof(decisionId));
            DeliveryId = DeliveryRecord.Required(deliveryId, nameof(deliveryId));
            Provider = DeliveryRecord.Required(provider, nameof(provider));
            ApprovalState = DeliveryRecord.OneOf(approvalState, States, nameof(approvalState), "approval state");
            DecidedBy = DeliveryRecord.Required(decidedBy, nameof(decidedBy));
            DecidedAt = DeliveryRecord.Required(decidedAt, nameof(decidedAt));
            ExpiresAt = approvalState == "approved" ? DeliveryRecord.Required(expiresAt, nameof(expiresAt)) : "";
            ExternalRef = externalRef ?? "";
            Notes = notes ?? "";
        }

        /// <summary>A new decision. An approval expires <paramref name="validFor"/> (default 24 h, must be positive) after
        /// <paramref name="decidedAt"/>; other states have no expiry.</summary>
        public static RetryApprovalDecision Create(string deliveryId, string provider, string approvalState, string decidedBy, DateTimeOffset decidedAt,
            TimeSpan? validFor = null, string externalRef = "", string notes = "")
        {
            var lifetime = validFor ?? DefaultValidFor;
            if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(validFor), "an approval must be valid for a positive time");
            string at = IsoTimestamp.Format(decidedAt);
            string expires = approvalState == "approved" ? IsoTimestamp.Format(decidedAt + lifetime) : "";
            return new RetryApprovalDecision(ComputeId(deliveryId, provider, approvalState, decidedBy, at), deliveryId, provider, approvalState,
                decidedBy, at, expires, externalRef, notes);
        }

        public static string ComputeId(string deliveryId, string provider, string approvalState, string decidedBy, string decidedAt) =>
            NotificationRecords.Id(IdPrefix, new[]
            {
                NotificationRecords.F("delivery_id", deliveryId ?? ""), NotificationRecords.F("provider", provider ?? ""),
                NotificationRecords.F("approval_state", approvalState ?? ""), NotificationRecords.F("decided_by", decidedBy ?? ""),
                NotificationRecords.F("decided_at", decidedAt ?? ""),
            });

        public string RecordType => NotificationRecords.DecisionType;
        public string DecisionId { get; }
        public string DeliveryId { get; }
        public string Provider { get; }
        /// <summary>approved, denied, deferred or expired.</summary>
        public string ApprovalState { get; }
        public string DecidedBy { get; }
        public string DecidedAt { get; }
        /// <summary>"" unless approved.</summary>
        public string ExpiresAt { get; }
        public string ExternalRef { get; }
        public string Notes { get; }

        public bool IdValid => DecisionId == ComputeId(DeliveryId, Provider, ApprovalState, DecidedBy, DecidedAt);

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("record_type", RecordType)
            .Property("schema_version", Schema)
            .Property("decision_id", DecisionId)
            .Property("delivery_id", DeliveryId)
            .Property("provider", Provider)
            .Property("approval_state", ApprovalState)
            .Property("decided_by", DecidedBy)
            .Property("decided_at", DecidedAt)
            .Property("expires_at", ExpiresAt)
            .Property("external_ref", ExternalRef)
            .Property("notes", Notes)
            .EndObject();

        public static RetryApprovalDecision FromJson(JsonObject o)
        {
            Fields.Kind(o, NotificationRecords.DecisionType, Schema);
            string state = Fields.OneOf(o, "approval_state", States);
            if (state != "approved" && Fields.Text(o, "expires_at").Length > 0)
                throw new InvalidNotificationRecordException($"field 'expires_at' must be empty when approval_state is {state}");
            return new RetryApprovalDecision(Fields.NonEmpty(o, "decision_id"), Fields.NonEmpty(o, "delivery_id"), Fields.NonEmpty(o, "provider"), state,
                Fields.NonEmpty(o, "decided_by"), Fields.Time(o, "decided_at"), Fields.Time(o, "expires_at", allowEmpty: state != "approved"),
                Fields.Text(o, "external_ref"), Fields.Text(o, "notes"));
        }

        public override string ToString() => $"{DecisionId} {ApprovalState} {DeliveryId} {Provider}";
    }

    /// <summary>
    /// One live retry of a failed delivery, or the refusal to run it (docs/design/notifications.md §7). Its
    /// <see cref="ExecutionHash"/> binds what was done, so a closure can cite it as verification (§8).
    /// </summary>
    public sealed class RetryExecutionRecord : INotificationRecord
    {
        public const string Schema = "cavra.go-backend-rollback-drill-notification-retry-execution-record.v1";
        public const string IdPrefix = "gordackretryexec-";
        public static readonly IReadOnlyList<string> Statuses = new[] { "delivered", "failed", "skipped" };

        public RetryExecutionRecord(string executionId, string deliveryId, string provider, string approvalDecisionId, string executionStatus,
            string executedBy, string executedAt, string executionHash, IReadOnlyList<string> evidenceRefs, string reason, int attemptCount, int? statusCode)
        {
            ExecutionId = DeliveryRecord.Required(executionId, nameof(executionId));
            DeliveryId = DeliveryRecord.Required(deliveryId, nameof(deliveryId));
            Provider = DeliveryRecord.Required(provider, nameof(provider));
            ApprovalDecisionId = approvalDecisionId ?? "";
            ExecutionStatus = DeliveryRecord.OneOf(executionStatus, Statuses, nameof(executionStatus), "execution status");
            ExecutedBy = DeliveryRecord.Required(executedBy, nameof(executedBy));
            ExecutedAt = DeliveryRecord.Required(executedAt, nameof(executedAt));
            ExecutionHash = executionHash ?? "";
            EvidenceRefs = evidenceRefs ?? Array.Empty<string>();
            Reason = reason ?? "";
            if (attemptCount < 0) throw new ArgumentOutOfRangeException(nameof(attemptCount));
            AttemptCount = attemptCount;
            StatusCode = statusCode;
        }

        /// <param name="approvalDecisionId">The decision that authorized the retry; "" when none did (a skipped record).</param>
        /// <param name="evidenceRefs">The retry's own delivery id when one was sent; empty when skipped.</param>
        public static RetryExecutionRecord Create(string deliveryId, string provider, string approvalDecisionId, string executionStatus, string executedBy,
            DateTimeOffset executedAt, IReadOnlyList<string> evidenceRefs, string reason = "", int attemptCount = 0, int? statusCode = null)
        {
            string at = IsoTimestamp.Format(executedAt);
            evidenceRefs ??= Array.Empty<string>();
            string id = ComputeId(deliveryId, provider, approvalDecisionId ?? "", at);
            return new RetryExecutionRecord(id, deliveryId, provider, approvalDecisionId ?? "", executionStatus, executedBy, at,
                ComputeHash(deliveryId, provider, approvalDecisionId ?? "", executionStatus, executedBy, at, evidenceRefs),
                evidenceRefs, reason, attemptCount, statusCode);
        }

        public static string ComputeId(string deliveryId, string provider, string approvalDecisionId, string executedAt) =>
            NotificationRecords.Id(IdPrefix, new[]
            {
                NotificationRecords.F("delivery_id", deliveryId ?? ""), NotificationRecords.F("provider", provider ?? ""),
                NotificationRecords.F("approval_decision_id", approvalDecisionId ?? ""), NotificationRecords.F("executed_at", executedAt ?? ""),
            });

        /// <summary>SHA-256 of the sorted-key JSON of delivery_id, provider, approval_decision_id, execution_status,
        /// executed_by, executed_at and evidence_refs (the issue's fields, evidence refs included so a closure's
        /// verification cannot be pointed at another delivery).</summary>
        public static string ComputeHash(string deliveryId, string provider, string approvalDecisionId, string executionStatus, string executedBy,
            string executedAt, IReadOnlyList<string> evidenceRefs) => NotificationRecords.Sha256(new[]
            {
                NotificationRecords.F("delivery_id", deliveryId ?? ""), NotificationRecords.F("provider", provider ?? ""),
                NotificationRecords.F("approval_decision_id", approvalDecisionId ?? ""), NotificationRecords.F("execution_status", executionStatus ?? ""),
                NotificationRecords.F("executed_by", executedBy ?? ""), NotificationRecords.F("executed_at", executedAt ?? ""),
                NotificationRecords.F("evidence_refs", evidenceRefs ?? Array.Empty<string>()),
            });

        public string RecordType => NotificationRecords.ExecutionType;
        public string ExecutionId { get; }
        public string DeliveryId { get; }
        public string Provider { get; }
        public string ApprovalDecisionId { get; }
        /// <summary>delivered, failed or skipped.</summary>
        public string ExecutionStatus { get; }
        public string ExecutedBy { get; }
        public string ExecutedAt { get; }
        public string ExecutionHash { get; }
        public IReadOnlyList<string> EvidenceRefs { get; }
        /// <summary>Why the retry was skipped or failed; "" when delivered.</summary>
        public string Reason { get; }
        public int AttemptCount { get; }
        public int? StatusCode { get; }

        /// <summary>True when both the id and the hash are the ones the record's fields give: the line was not edited.</summary>
        public bool HashValid =>
            ExecutionId == ComputeId(DeliveryId, Provider, ApprovalDecisionId, ExecutedAt)
            && ExecutionHash == ComputeHash(DeliveryId, Provider, ApprovalDecisionId, ExecutionStatus, ExecutedBy, ExecutedAt, EvidenceRefs);

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("record_type", RecordType)
            .Property("schema_version", Schema)
            .Property("execution_id", ExecutionId)
            .Property("delivery_id", DeliveryId)
            .Property("provider", Provider)
            .Property("approval_decision_id", ApprovalDecisionId)
            .Property("execution_status", ExecutionStatus)
            .Property("executed_by", ExecutedBy)
            .Property("executed_at", ExecutedAt)
            .Property("execution_hash", ExecutionHash)
            .Property("evidence_refs", EvidenceRefs)
            .Property("reason", Reason)
            .Property("attempt_count", AttemptCount)
            .Property("status_code", StatusCode)
            .EndObject();

        public static RetryExecutionRecord FromJson(JsonObject o)
        {
            Fields.Kind(o, NotificationRecords.ExecutionType, Schema);
            return new RetryExecutionRecord(Fields.NonEmpty(o, "execution_id"), Fields.NonEmpty(o, "delivery_id"), Fields.NonEmpty(o, "provider"),
                Fields.Text(o, "approval_decision_id"), Fields.OneOf(o, "execution_status", Statuses), Fields.NonEmpty(o, "executed_by"),
                Fields.Time(o, "executed_at"), Fields.NonEmpty(o, "execution_hash"), Fields.Strings(o, "evidence_refs"), Fields.Text(o, "reason"),
                Fields.Int(o, "attempt_count", 0), Fields.NullableInt(o, "status_code"));
        }

        /// <summary>
        /// Why this execution cannot serve as evidence that a retry was delivered, or null when it can: it must be
        /// <c>delivered</c>, its id and hash must verify, and it must be bound to an approval — the ledger holds the
        /// <c>approved</c> decision it names, for the same delivery and provider, current when it ran
        /// (docs/design/notifications.md §8). Used by closures' verification and by the recovery state (§9).
        /// </summary>
        public string? DeliveredEvidenceProblem(NotificationLedgerContents ledger)
        {
            if (!HashValid) return "its hash does not verify: the line was edited";
            if (ExecutionStatus != "delivered") return $"{ExecutionStatus}, not delivered";
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            var approval = ledger.Decision(ApprovalDecisionId);
            if (approval == null || approval.DeliveryId != DeliveryId || approval.Provider != Provider || approval.ApprovalState != "approved" || !approval.IdValid)
                return $"not bound to an approval: the ledger holds no approved decision '{ApprovalDecisionId}' for {DeliveryId} to {Provider}";
            var ran = Times.Parse(ExecutedAt);
            // approval.ExpiresAt is set: the constructor requires it of every approval
            if (ran + Times.FutureSkew < Times.Parse(approval.DecidedAt) || ran >= Times.Parse(approval.ExpiresAt))
                return $"executed at {ExecutedAt}, outside its approval {approval.DecisionId} ({approval.DecidedAt} to {approval.ExpiresAt})";
            return null;
        }

        public override string ToString() => $"{ExecutionId} {ExecutionStatus} {DeliveryId} {Provider}";
    }
}
