using System;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Cavra.Gate.Serialization
{
    /// <summary>Python <c>float()</c> parsing and <c>repr(float)</c> formatting, for configuration values and canonical output.</summary>
    public static class PythonFloat
    {
        /// <summary>Python <c>float(text)</c>: surrounding whitespace, exponents, digit underscores, inf/infinity/nan in any case.</summary>
        public static bool TryParse(string? text, out double value)
        {
            value = 0;
            if (text == null) return false;
            string s = text.Trim();
            if (s.Length == 0) return false;
            string body = s;
            bool negative = false;
            if (body[0] == '+' || body[0] == '-') { negative = body[0] == '-'; body = body.Substring(1); }
            string lower = body.ToLowerInvariant();
            if (lower == "inf" || lower == "infinity") { value = negative ? double.NegativeInfinity : double.PositiveInfinity; return true; }
            if (lower == "nan") { value = double.NaN; return true; }
            // Underscores are allowed only between digits.
            var sb = new StringBuilder(body.Length);
            for (int i = 0; i < body.Length; i++)
            {
                char c = body[i];
                if (c == '_')
                {
                    if (i == 0 || i == body.Length - 1 || !char.IsDigit(body[i - 1]) || !char.IsDigit(body[i + 1])) return false;
                    continue;
                }
                if (!(c >= '0' && c <= '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return false;
                sb.Append(c);
            }
            string clean = sb.ToString();
            if (clean.Length == 0 || clean == ".") return false;
            if (!double.TryParse(clean, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)) return false;
            if (negative) value = -value;
            return true;
        }

        /// <summary>Python <c>repr(float)</c>: shortest round-trip digits; fixed notation for exponents -4..15
        /// (always with a fractional part), scientific otherwise (<c>1e+16</c>, <c>1.5e-05</c>).</summary>
        public static string Repr(double value)
        {
            if (double.IsNaN(value)) return "nan";
            if (double.IsPositiveInfinity(value)) return "inf";
            if (double.IsNegativeInfinity(value)) return "-inf";
            if (value == 0) return (1 / value) < 0 ? "-0.0" : "0.0";

            Decompose(value, out bool negative, out string digits, out int exp);

            var sb = new StringBuilder();
            if (negative) sb.Append('-');
            if (exp >= -4 && exp < 16)
            {
                if (exp >= 0)
                {
                    string intPart = digits.Length > exp + 1 ? digits.Substring(0, exp + 1) : digits.PadRight(exp + 1, '0');
                    string frac = digits.Length > exp + 1 ? digits.Substring(exp + 1) : "0";
                    sb.Append(intPart).Append('.').Append(frac);
                }
                else
                {
                    sb.Append("0.").Append('0', -exp - 1).Append(digits);
                }
            }
            else
            {
                sb.Append(digits[0]);
                if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
                sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("D2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>
        /// The shortest round-trip decimal digits of a finite non-zero double, without leading or trailing zeros, and the
        /// decimal exponent of the first digit (1234.5 → "12345", 3). Python's repr and Go's %v both format from this.
        /// </summary>
        internal static void Decompose(double value, out bool negative, out string digits, out int exponent)
        {
            string r = value.ToString("R", CultureInfo.InvariantCulture);
            negative = r[0] == '-';
            if (negative) r = r.Substring(1);
            int e = 0;
            int ePos = r.IndexOfAny(new[] { 'E', 'e' });
            if (ePos >= 0) { e = int.Parse(r.Substring(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); r = r.Substring(0, ePos); }
            int point = r.IndexOf('.');
            digits = point < 0 ? r : r.Remove(point, 1);
            exponent = (point < 0 ? r.Length : point) - 1 + e;
            int lead = 0;
            while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
            digits = digits.Substring(lead).TrimEnd('0');
            exponent -= lead;
            if (digits.Length == 0) digits = "0";
        }

        /// <summary>
        /// Python <c>round(x, digits)</c>: half to even on the double's exact binary value, so 90.00005 (stored as
        /// 90.0000500000000044) rounds up to 90.0001 as in Python, where <c>Math.Round</c> sees a midpoint and gives 90.0.
        /// </summary>
        public static double Round(double value, int digits)
        {
            if (double.IsNaN(value) || double.IsInfinity(value) || value == 0) return value;
            long bits = BitConverter.DoubleToInt64Bits(value);
            int exponent = (int)((bits >> 52) & 0x7FF);
            long mantissa = bits & 0xFFFFFFFFFFFFFL;
            if (exponent == 0) exponent = 1; else mantissa |= 1L << 52;
            exponent -= 1075; // |value| == mantissa * 2^exponent exactly
            BigInteger numerator = mantissa, denominator = BigInteger.One;
            if (exponent > 0) numerator <<= exponent; else denominator <<= -exponent;
            if (digits >= 0) numerator *= BigInteger.Pow(10, digits); else denominator *= BigInteger.Pow(10, -digits);
            var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
            int half = (remainder * 2).CompareTo(denominator);
            if (half > 0 || (half == 0 && !quotient.IsEven)) quotient += 1;
            double rounded = double.Parse(quotient.ToString(CultureInfo.InvariantCulture) + "E" + (-digits).ToString(CultureInfo.InvariantCulture),
                NumberStyles.Float, CultureInfo.InvariantCulture);
            return value < 0 ? -rounded : rounded; // keeps -0.0 as Python does
        }
    }
}
