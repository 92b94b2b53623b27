using System;
using System.Collections.Generic;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// The runtime's nine built-in scaffold policies (docs/design/decisions.md §3.3), verbatim and in evaluation order.
    /// Any other pack name gets the baseline rules but keeps its own name in decisions (docs/design/decisions.md §3.4).
    /// </summary>
    public static class BuiltInPolicyPacks
    {
        public const string Baseline = "cavra-ai-agent-baseline";
        public const string BankingBaseline = "cavra-banking-baseline";
        public const string CloudIam = "cavra-cloud-iam";
        public const string KubernetesProd = "cavra-kubernetes-prod";
        public const string TerraformProd = "cavra-terraform-prod";
        public const string GitHubEnterprise = "cavra-github-enterprise";
        public const string OwaspLlmAgentic = "cavra-owasp-llm-agentic";
        public const string AgenticDelivery = "cavra-agentic-delivery";
        public const string McpEnterprise = "cavra-mcp-enterprise";

        /// <summary>The nine pack names, baseline first.</summary>
        public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(new[]
        {
            Baseline, BankingBaseline, CloudIam, KubernetesProd, TerraformProd, GitHubEnterprise, OwaspLlmAgentic, AgenticDelivery, McpEnterprise,
        });

        private static readonly Dictionary<string, PolicyRules> Packs = Build();

        /// <summary>The baseline rules (what every unrecognised pack name evaluates with).</summary>
        public static PolicyRules BaselineRules { get; } = Packs[Baseline];

        /// <summary>True for the nine names (exact, case-sensitive, as the runtime's switch is).</summary>
        public static bool IsBuiltIn(string? packName) => packName != null && Packs.ContainsKey(packName);

        /// <summary>The rules a pack name evaluates with: its own for the nine, the baseline's for anything else.</summary>
        public static PolicyRules RulesFor(string? packName)
            => packName != null && Packs.TryGetValue(packName, out var rules) ? rules : BaselineRules;

        private static Dictionary<string, PolicyRules> Build()
        {
            var d = new Dictionary<string, PolicyRules>(StringComparer.Ordinal);
            void Add(PolicyRules p) => d.Add(p.Id, p);

            Add(new PolicyRules(Baseline,
                blockRead: new[] { ".env", "**/secrets.*", "**/*.pem", "**/*.pfx", "**/id_rsa", "**/kubeconfig", "**/terraform.tfstate", "**/terraform.tfvars" },
                blockWrite: new[] { ".github/workflows/**", "**/main.tf", "**/providers.tf", "**/backend.tf" },
                requireApprovalWrite: new[] { "iam/**", "security/**", "policies/**" },
                commandBlock: new[] { "terraform apply*", "kubectl delete*", "az role assignment create*", "aws iam create-access-key*", "gcloud projects add-iam-policy-binding*", "git push origin main", "git push origin master" },
                commandAllow: new[] { "terraform fmt*", "terraform validate*", "terraform plan*", "pytest*", "npm test*" }));

            Add(new PolicyRules(BankingBaseline,
                blockRead: new[] { ".env", "**/secrets.*", "**/*.pem", "**/kubeconfig", "**/terraform.tfstate", "**/terraform.tfvars" },
                requireApprovalWrite: new[] { "iam/**", "**/iam/**", "**/security/**", "**/policies/**" },
                commandBlock: new[] { "terraform apply*", "kubectl delete*", "az role assignment create*", "aws iam create-access-key*", "gcloud projects add-iam-policy-binding*", "git push origin main" },
                commandAllow: new[] { "terraform fmt*", "terraform validate*", "terraform plan*", "pytest*", "npm test*" }));

            Add(new PolicyRules(CloudIam,
                blockRead: new[] { ".env", "**/secrets.*", "**/*.pem" },
                requireApprovalWrite: new[] { "**/iam/**", "**/roles/**", "**/policies/**" },
                commandBlock: new[] { "az role assignment create*", "aws iam create-access-key*", "aws iam attach-role-policy*", "gcloud projects add-iam-policy-binding*", "terraform apply*" },
                commandAllow: new[] { "terraform plan*", "aws iam get*", "az role assignment list*", "gcloud projects get-iam-policy*" }));

            Add(new PolicyRules(KubernetesProd,
                blockRead: new[] { ".env", "**/kubeconfig", "**/secrets.*" },
                requireApprovalWrite: new[] { "**/rbac/**", "**/clusterrole*.yaml", "**/prod/**" },
                commandBlock: new[] { "kubectl delete*", "kubectl apply*--context*prod*", "git push origin main" },
                commandAllow: new[] { "kubectl diff*", "kubectl get*", "kubectl describe*", "pytest*" }));

            Add(new PolicyRules(TerraformProd,
                blockRead: new[] { ".env", "**/*.tfvars", "**/terraform.tfstate", "**/.terraform/providers/**", "**/secrets.*" },
                blockWrite: new[] { ".github/workflows/**", "**/.terraform/**", "**/modules/**", "**/backend.tf" },
                requireApprovalWrite: new[] { "**/main.tf", "**/providers.tf", "**/variables.tf", "**/outputs.tf" },
                commandBlock: new[] { "terraform apply*", "tofu apply*", "terraform destroy*", "tofu destroy*", "terraform login*", "terraform console*" },
                commandAllow: new[] { "terraform fmt*", "terraform validate*", "terraform plan*", "terraform show*", "terraform state list*", "tofu fmt*", "tofu validate*", "tofu plan*", "git*", "grep*", "cat*" }));

            Add(new PolicyRules(GitHubEnterprise,
                blockRead: new[] { ".env", "**/secrets.*", ".github/dependabot.yml" },
                requireApprovalWrite: new[] { ".github/workflows/**", ".github/CODEOWNERS" },
                commandBlock: new[] { "git push origin main", "git push --force*", "gh pr merge*--admin*" },
                commandAllow: new[] { "git status*", "git diff*", "gh pr create*", "pytest*" }));

            Add(new PolicyRules(OwaspLlmAgentic,
                blockRead: new[] { ".env", "**/secrets.*", "**/*.pem" },
                requireApprovalWrite: new[] { "**/plugins/**", "**/tools/**", "**/mcp/**" },
                commandBlock: new[] { "curl *|*sh*", "wget *|*sh*", "terraform apply*", "git push origin main" },
                commandAllow: new[] { "terraform plan*", "pytest*", "npm test*" },
                mcpAllowedServers: new[] { "github-enterprise", "jira-enterprise" },
                mcpBlockUnknownServers: true));

            Add(new PolicyRules(AgenticDelivery,
                blockRead: new[] { ".env", ".env.*", "**/secrets.*", "**/*credential*", "**/*token*" },
                requireApprovalWrite: new[]
                {
                    ".github/workflows/**", ".github/CODEOWNERS", ".github/dependabot.yml", ".github/agents/**", "src/cavra/runtime.py",
                    "src/cavra/policy_engine.py", "src/cavra/evidence.py", "policies/**", "schemas/**", "proto/**",
                },
                commandBlock: new[]
                {
                    "git push origin main", "git push --force*", "gh pr merge*", "gh repo edit*", "gh api repos/*/branches/main/protection*",
                    "gh api repos/* --method PATCH*", "rm -rf .git", "security find-generic-password*",
                },
                commandAllow: new[]
                {
                    "git status*", "git diff*", "git branch*", "git checkout -b agent/*", "git switch -c agent/*", "gh pr create*", "gh pr view*",
                    "python3 -m pytest*", "pytest*", "ruff*", "cavra policy validate*", "cavra evidence verify*",
                },
                mcpAllowedServers: new[] { "github", "filesystem" },
                mcpBlockUnknownServers: true));

            Add(new PolicyRules(McpEnterprise,
                blockRead: new[] { ".env", "**/secrets.*", "**/*.pem", "**/kubeconfig", "**/terraform.tfstate" },
                requireApprovalWrite: new[] { "**/iam/**", "**/security/**", "**/policies/**" },
                commandBlock: new[] { "terraform apply*", "kubectl delete*", "aws iam*", "az role*" },
                commandAllow: new[] { "terraform fmt*", "terraform plan*", "git*" },
                mcpAllowedServers: new[] { "github-enterprise", "jira-enterprise", "confluence-readonly", "internal-docs-readonly" },
                mcpBlockedServers: new[] { "unknown-mcp-provider", "public-browser-mcp", "personal-drive-mcp" },
                mcpBlockUnknownServers: true));

            return d;
        }
    }
}
