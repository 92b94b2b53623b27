namespace Cavra.Gate.Authoring
{
    /// <summary>An evidence file just written, and what the gate's own validator says about it.</summary>
    public sealed class AuthoredEvidence
    {
        public AuthoredEvidence(string path, string schemaVersion, bool valid, string message, object summary)
        { Path = path; SchemaVersion = schemaVersion; Valid = valid; Message = message; Summary = summary; }

        public string Path { get; }
        public string SchemaVersion { get; }
        /// <summary>The gate's validator accepts the file.</summary>
        public bool Valid { get; }
        public string Message { get; }
        /// <summary>The validator's summary (PromotionEvidence, RollbackPlan or RollbackRehearsal).</summary>
        public object Summary { get; }
    }
}
