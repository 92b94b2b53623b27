namespace Cavra.Gate.Json
{
    /// <summary>The outcome of reading one metadata/evidence file (upstream's <c>_JsonCheck</c>):
    /// valid with an object payload, or invalid with a message that names the problem and an empty payload.</summary>
    public sealed class JsonFileCheck
    {
        public const string NotConfiguredMessage = "metadata path is not configured";
        public const string MissingMessage = "metadata file is missing";
        public const string PresentMessage = "metadata file is present and parseable";
        public const string NotAnObjectMessage = "metadata JSON must be an object";

        private JsonFileCheck(bool valid, string message, JsonObject payload, string? path)
        { Valid = valid; Message = message; Payload = payload; Path = path; }

        public bool Valid { get; }
        public string Message { get; }
        public JsonObject Payload { get; }
        /// <summary>The full path that was read, or null when no path was configured.</summary>
        public string? Path { get; }

        public static JsonFileCheck Ok(JsonObject payload, string path) => new JsonFileCheck(true, PresentMessage, payload, path);
        public static JsonFileCheck Invalid(string message, string? path) => new JsonFileCheck(false, message, JsonObject.Empty, path);
    }
}
