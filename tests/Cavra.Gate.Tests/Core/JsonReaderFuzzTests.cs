using System.Security.Cryptography;
using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Core;

/// <summary>
/// Seeded random mutations of the shipped JSON fixtures (a few thousand per run) through the reader. The outcomes of the
/// first <see cref="Recorded"/> mutations of each fixture were recorded from the hand-written reader the engine used
/// before System.Text.Json (JsonReaderFuzz.expected.txt: accept with a hash of the value read, or the exact message);
/// the System.Text.Json reader agreed on all 22,000 mutations during the migration, and must keep agreeing with the
/// record. Every mutation, recorded or not, must also obey the reader's rules: an accepted text reads back to itself
/// through the canonical writer, a refusal names its position as Python does.
/// </summary>
public class JsonReaderFuzzTests
{
    private const int MutationsPerFixture = 2000;
    private const int Recorded = 300;
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("{}[],:\"\\ \n\t0123456789-+.eEtrufalsnNI/")
        .Concat(new byte[] { 0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xEF, 0xBB, 0xBF, 0xFF }).ToArray();
    private static readonly string[] Fragments = { "NaN", "Infinity", "-Infinity", "1e999", "01", "\\u00e9", "\\ud800", ",", "{\"a\": 1, \"a\": 2}", "[[[[", "]]", "\"x\": ", "true", "nul", "-", "1.", "1e" };
    private static readonly System.Text.RegularExpressions.Regex PythonPosition = new(@": line \d+ column \d+ \(char \d+\)$");

    public static IEnumerable<object[]> Fixtures()
        => Directory.GetFiles(Path.Combine(EvidenceSet.RepoRoot, "examples"), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(EvidenceSet.RepoRoot, f).Replace('\\', '/')).Order(StringComparer.Ordinal)
            .Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Random_mutations_read_as_recorded_and_obey_the_rules(string fixture)
    {
        var expected = File.ReadAllLines(ExpectationsPath).Where(l => l.StartsWith(fixture + "\t", StringComparison.Ordinal))
            .Select(l => l.Split('\t', 3)).ToDictionary(p => int.Parse(p[1]), p => p[2]);
        Assert.Equal(Recorded, expected.Count);
        int accepted = 0, rejected = 0;
        foreach (var (index, mutated) in Mutations(fixture))
        {
            string outcome = Outcome(mutated, out var value, out var error);
            string input = Encoding.UTF8.GetString(mutated);
            if (index < Recorded) Assert.True(expected[index] == outcome, $"mutation {index}: recorded {expected[index]}, read {outcome}; input:\n{input}");
            if (value != null)
            {
                accepted++;
                string canonical = CanonicalJsonWriter.Serialize(value);
                Assert.True(StrictJsonParser.TryParse(Encoding.UTF8.GetBytes(canonical), out var again, out _), $"canonical output does not read back:\n{canonical}");
                Assert.Equal(canonical, CanonicalJsonWriter.Serialize(again));
            }
            else
            {
                rejected++;
                Assert.True(PythonPosition.IsMatch(error!.Message) || error.Message.StartsWith("file is not valid UTF-8", StringComparison.Ordinal), error.Message);
            }
        }
        Assert.True(accepted > 0 && rejected > 0, $"mutations exercised only one side: {accepted} accepted, {rejected} rejected");
    }

    internal static string Outcome(byte[] bytes, out JsonValue? value, out JsonParseError? error)
    {
        if (StrictJsonParser.TryParse(bytes, out var v, out error)) { value = v; return "accept " + Hash(v); }
        value = null;
        return "reject " + error!.Message;
    }

    internal static string Hash(JsonValue value)
        => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJsonWriter.Serialize(value))))[..16].ToLowerInvariant();

    internal static string ExpectationsPath => Path.Combine(EvidenceSet.RepoRoot, "tests", "Cavra.Gate.Tests", "Core", "JsonReaderFuzz.expected.txt");

    internal static IEnumerable<(int Index, byte[] Bytes)> Mutations(string fixture)
    {
        var original = File.ReadAllBytes(Path.Combine(EvidenceSet.RepoRoot, fixture));
        var random = new Random(fixture.Length * 7919 + original.Length);
        for (int n = 0; n < MutationsPerFixture; n++) yield return (n, Mutate(original, random));
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = source.ToList();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                case 1: bytes.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)])); break;
                case 4: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(12))); break;
                case 5: bytes.RemoveRange(at, bytes.Count - at); break;
                default:
                    // Replace a value-looking token start with another token: keeps much of the document parseable.
                    int colon = bytes.IndexOf((byte)':', at);
                    if (colon >= 0 && colon + 2 < bytes.Count) bytes.InsertRange(colon + 2, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)] + ", "));
                    break;
            }
        }
        return bytes.ToArray();
    }
}
