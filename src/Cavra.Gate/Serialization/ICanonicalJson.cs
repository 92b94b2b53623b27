namespace Cavra.Gate.Serialization
{
    /// <summary>A report, summary or record that writes itself as CAVRA's canonical snake_case JSON, keys in upstream's order (docs/design/README.md §3.2).</summary>
    public interface ICanonicalJson
    {
        void WriteJson(CanonicalJsonWriter writer);
    }
}
