using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Profiles;

/// <summary>
/// <c>GET /api/profiles/{id}</c>: the 360° profile of a user id or anonymous id. Needs a function key (the platform's
/// check) and the admin key in <c>X-Admin-Key</c> (ours, the same as the self-hosted runtime's).
/// </summary>
public sealed class ProfileFunctions(ProfileQuery profiles, IOptions<AdminOptions> admin)
{
    [Function("GetProfile")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/profiles/{id}")] HttpRequest req, string id)
    {
        if (!AdminKey.Matches(req.Headers[AdminKey.HeaderName], admin.Value))
        {
            return new ReplyResult(AdminKey.Rejection);
        }

        var profile = string.IsNullOrWhiteSpace(id) ? null : await profiles.GetAsync(id, req.HttpContext.RequestAborted);
        return new ReplyResult(ReplyShape.FromProfile(id, profile));
    }
}
