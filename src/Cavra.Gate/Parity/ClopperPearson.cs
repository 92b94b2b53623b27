using System;

namespace Cavra.Gate.Parity
{
    /// <summary>
    /// The one-sided exact (Clopper–Pearson) upper confidence bound of a binomial proportion: the largest mismatch rate p
    /// for which seeing at most <c>x</c> mismatches in <c>n</c> samples still has probability ≥ 1 − confidence. It is the
    /// <c>confidence</c> quantile of Beta(x + 1, n − x), found here by bisection on the regularized incomplete beta.
    /// 0 of 3,000 at 95 % gives 1 − 0.05^(1/3000) ≈ 0.000998.
    /// </summary>
    public static class ClopperPearson
    {
        public static double UpperBound(long mismatches, long samples, double confidence)
        {
            if (samples < 0 || mismatches < 0 || mismatches > samples) throw new ArgumentOutOfRangeException(nameof(mismatches));
            if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), "between 0 and 1, exclusive");
            if (samples == 0 || mismatches == samples) return 1.0;
            double alpha = 1 - confidence;
            // Closed form for the common case: P(X = 0) = (1 − p)^n = α.
            if (mismatches == 0) return -ExpMinusOne(Math.Log(alpha) / samples);
            double a = mismatches + 1, b = samples - mismatches;
            double lo = 0, hi = 1;
            for (int i = 0; i < 200 && hi - lo > 1e-17; i++)
            {
                double mid = (lo + hi) / 2;
                if (RegularizedBeta(mid, a, b) < confidence) lo = mid; else hi = mid;
            }
            return hi; // the upper end: never below the exact bound
        }

        /// <summary>e^y − 1 without losing digits for small y (there is no Math.Expm1 on netstandard2.0).</summary>
        private static double ExpMinusOne(double y) =>
            Math.Abs(y) < 1e-5 ? y + y * y / 2 + y * y * y / 6 : Math.Exp(y) - 1;

        /// <summary>I_x(a, b), by the continued fraction (Lentz) on the side where it converges fast.</summary>
        internal static double RegularizedBeta(double x, double a, double b)
        {
            if (x <= 0) return 0;
            if (x >= 1) return 1;
            double logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
            if (x < (a + 1) / (a + b + 2)) return Math.Exp(logFront) * ContinuedFraction(x, a, b) / a;
            return 1 - Math.Exp(logFront) * ContinuedFraction(1 - x, b, a) / b;
        }

        private static double ContinuedFraction(double x, double a, double b)
        {
            const double Tiny = 1e-300, Epsilon = 1e-16;
            double qab = a + b, qap = a + 1, qam = a - 1;
            double c = 1, d = 1 - qab * x / qap;
            if (Math.Abs(d) < Tiny) d = Tiny;
            d = 1 / d;
            double h = d;
            for (int m = 1; m <= 1_000_000; m++)
            {
                int m2 = 2 * m;
                double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
                d = 1 + aa * d; if (Math.Abs(d) < Tiny) d = Tiny;
                c = 1 + aa / c; if (Math.Abs(c) < Tiny) c = Tiny;
                d = 1 / d;
                h *= d * c;
                aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
                d = 1 + aa * d; if (Math.Abs(d) < Tiny) d = Tiny;
                c = 1 + aa / c; if (Math.Abs(c) < Tiny) c = Tiny;
                d = 1 / d;
                double delta = d * c;
                h *= delta;
                if (Math.Abs(delta - 1) < Epsilon) break;
            }
            return h;
        }

        /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9; about 15 significant digits).</summary>
        internal static double LogGamma(double x)
        {
            double[] g =
            {
                0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
                12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
            };
            if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
            x -= 1;
            double sum = g[0];
            for (int i = 1; i < 9; i++) sum += g[i] / (x + i);
            double t = x + 7.5;
            return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
        }
    }
}
