#!/usr/bin/env python3
"""Writes the synthetic fixtures under ingest/testdata (contoso.com users,
RFC 5737 addresses, obviously fake GUIDs). Run from ingest/testdata."""
import csv, gzip, io, json, os, zipfile

T1 = "00000000-0000-0000-0000-00000000aaaa"   # tenant A
T2 = "00000000-0000-0000-0000-00000000bbbb"   # tenant B
def gid(n): return "11111111-1111-1111-1111-%012d" % n

def graph(n, upn="alice@contoso.com", t="2025-01-02T08:00:00Z", **kw):
    r = {"id": gid(n), "createdDateTime": t, "userPrincipalName": upn, "userId": gid(900+n),
         "appId": gid(800), "appDisplayName": "Office 365 <script>", "ipAddress": "192.0.2.%d" % n,
         "clientAppUsed": "Browser", "isInteractive": True, "resourceTenantId": T1, "homeTenantId": T1,
         "authenticationRequirement": "singleFactorAuthentication", "conditionalAccessStatus": "notApplied",
         "status": {"errorCode": 0, "failureReason": "Other."}, "userAgent": "Mozilla/5.0 =cmd|' \"q\"",
         "deviceDetail": {"operatingSystem": "Windows10", "browser": "Edge 120"},
         "location": {"city": "Redmond", "state": "WA", "countryOrRegion": "US"},
         "authenticationDetails": [], "appliedConditionalAccessPolicies": []}
    r.update(kw)
    return r

def w(path, data, mode="w", **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **kw) as f:
        f.write(data)

def nd(recs): return "".join(json.dumps(r) + "\n" for r in recs)

# --- diagnostic settings
def diag(cat, props, level=4, dur=0, tenant=T1):
    return {"time": props.get("createdDateTime", "2025-01-02T08:00:00Z"), "resourceId": "/tenants/%s/providers/Microsoft.aadiam" % tenant,
            "operationName": "Sign-in activity", "operationVersion": "1.0", "category": cat, "tenantId": tenant,
            "resultType": "0", "resultSignature": "None", "durationMs": dur, "callerIpAddress": "192.0.2.1",
            "Level": level, "location": "US", "properties": props}
p1 = graph(1, t="2025-01-02T03:04:05.1234567-05:00", userType="Member", isInteractive=None)
p1.pop("resourceTenantId"); p1.pop("homeTenantId")
p2 = graph(2, isInteractive=False, status={"errorCode": 50140})
p3 = {"id": gid(3), "createdDateTime": "2025-01-02T09:00:00+00:00", "appId": gid(801), "servicePrincipalId": gid(700),
      "servicePrincipalName": "contoso-app", "status": {"errorCode": 0}}
p4 = {"id": gid(4), "createdDateTime": "2025-01-02T09:30:00Z", "servicePrincipalId": gid(701), "status": {"errorCode": 0}}
w("diagnostic/PT1H.json", nd([
    diag("SignInLogs", p1), diag("NonInteractiveUserSignInLogs", p2, level="4", dur="0"),
    diag("ServicePrincipalSignInLogs", p3), diag("ManagedIdentitySignInLogs", p4),
    {"time": "2025-01-02T10:00:00Z", "category": "AuditLogs", "tenantId": T1, "properties": {"id": gid(5)}}]))
w("diagnostic/eventhub-capture.json", json.dumps({"records": [
    diag("MicrosoftServicePrincipalSignInLogs", {"id": gid(6), "createdDateTime": "2025-01-03T00:00:00Z", "servicePrincipalId": gid(702), "status": {"errorCode": 7000215}}, level="Informational", tenant=T2),
    diag("SignInLogs", graph(7, t="2025-01-03T01:00:00Z"), tenant=T2)]}, indent=2))
w("diagnostic/auditlogs-only.json", nd([
    {"time": "2025-01-02T10:00:00Z", "category": "AuditLogs", "tenantId": T1, "properties": {"id": gid(8)}},
    {"time": "2025-01-02T10:01:00Z", "category": "AuditLogs", "tenantId": T1, "properties": {"id": gid(9)}}]))

# --- dedup across shapes: the SignInLogs record of PT1H.json again, as Graph JSON
g1 = graph(1, t="2025-01-02T08:04:05.123456Z")
w("dedup/graph.json", json.dumps([g1, graph(10)], indent=2))
w("dedup/PT1H.json", nd([diag("SignInLogs", dict(g1, createdDateTime="2025-01-02T03:04:05.1234567-05:00"))]))

# --- Log Analytics CSV (portal Export to CSV; a subset of the columns)
la_head = ["TenantId", "SourceSystem", "TimeGenerated [UTC]", "ResourceId", "Category", "ResultType", "ResultDescription",
           "AppDisplayName", "AppId", "AuthenticationDetails", "AuthenticationRequirement", "ClientAppUsed",
           "ConditionalAccessPolicies", "ConditionalAccessStatus", "CreatedDateTime [UTC]", "DeviceDetail", "IsInteractive",
           "Id", "IPAddress", "LocationDetails", "Status", "UserAgent", "UserPrincipalName", "AADTenantId", "UserType",
           "ResourceTenantId", "HomeTenantId", "Type"]
def la_row(n, when, rt="0", **kw):
    r = {"TenantId": "99999999-9999-9999-9999-999999999999", "SourceSystem": "Azure AD", "TimeGenerated [UTC]": when,
         "ResourceId": "/tenants/%s/providers/Microsoft.aadiam" % T1, "Category": "SignInLogs", "ResultType": rt,
         "ResultDescription": "", "AppDisplayName": "Azure Portal", "AppId": gid(800),
         "AuthenticationDetails": json.dumps([{"authenticationStepDateTime": "2025-03-14T13:40:00.1234567+00:00", "authenticationMethod": "Mobile app notification", "succeeded": True, "authenticationStepResultDetail": "MFA successfully completed", "authenticationStepRequirement": "Multi-factor authentication"}]),
         "AuthenticationRequirement": "multiFactorAuthentication", "ClientAppUsed": "Browser",
         "ConditionalAccessPolicies": json.dumps([{"id": gid(600), "displayName": "CA001 Require MFA", "result": "success", "enforcedGrantControls": ["Mfa"], "conditionsSatisfied": 3, "conditionsNotSatisfied": 0}]),
         "ConditionalAccessStatus": "success", "CreatedDateTime [UTC]": when,
         "DeviceDetail": json.dumps({"deviceId": "", "operatingSystem": "Windows10", "browser": "Edge 120", "isCompliant": True, "isManaged": False}),
         "IsInteractive": "TRUE", "Id": gid(20 + n), "IPAddress": "198.51.100.%d" % n,
         "LocationDetails": json.dumps({"city": "Oslo", "countryOrRegion": "NO"}), "Status": json.dumps({"errorCode": int(rt)}),
         "UserAgent": "Mozilla/5.0, \"quoted\"", "UserPrincipalName": "Bob@Contoso.com", "AADTenantId": T1, "UserType": "Member",
         "ResourceTenantId": T1, "HomeTenantId": T1, "Type": "SigninLogs"}
    r.update(kw)
    return [r[h] for h in la_head]
buf = io.StringIO()
cw = csv.writer(buf, lineterminator="\r\n")
cw.writerow(la_head)
cw.writerow(la_row(1, "3/14/2025, 1:45:17.287 PM"))
cw.writerow(la_row(2, "3/2/2025, 9:05:00.000 AM", rt="50126", AuthenticationRequirement="singleFactorAuthentication", AuthenticationDetails="[]", ConditionalAccessPolicies="", ConditionalAccessStatus="notApplied", IsInteractive="FALSE"))
buf.write('"broken","row","with too few columns"\r\n')
cw.writerow(la_row(3, "3/3/2025, 9:05:00.000 AM", Type="AADNonInteractiveUserSignInLogs"))
w("la/SigninLogs_export.csv", buf.getvalue(), newline="")
# ambiguous dates only: cannot tell day/month
buf = io.StringIO(); cw = csv.writer(buf); cw.writerow(la_head)
cw.writerow(la_row(4, "3/4/2025, 9:05:00.000 AM"))
w("la-ambiguous/SigninLogs_export.csv", buf.getvalue(), newline="")

def la_json(n, typ, **kw):
    r = {"TenantId": "99999999-9999-9999-9999-999999999999", "TimeGenerated": "2025-04-01T10:00:00.1234567Z",
         "CreatedDateTime": "2025-04-01T09:59:59.9999999Z", "Id": gid(40 + n), "UserPrincipalName": "carol@contoso.com",
         "ResultType": "0", "ConditionalAccessStatus": 1, "AuthenticationRequirement": "singleFactorAuthentication",
         "Status": json.dumps({"errorCode": 0, "additionalDetails": "MFA requirement satisfied by claim in the token"}),
         "DeviceDetail": json.dumps({"operatingSystem": "iOS"}), "LocationDetails": json.dumps({"countryOrRegion": "DE"}),
         "ConditionalAccessPolicies": json.dumps([{"id": gid(601), "displayName": "CA002 Block legacy", "result": "notApplied",
             "conditionsSatisfied": 0, "conditionsNotSatisfied": 2,
             "excludeRulesSatisfied": [json.dumps({"conditionalAccessCondition": "users", "ruleSatisfied": "groupId"})]}]),
         "SignInEventTypes": json.dumps(["nonInteractiveUser"]), "AADTenantId": T2, "IsInteractive": False, "Type": typ}
    r.update(kw)
    return r
w("la/AADNonInteractive.json", nd([la_json(1, "AADNonInteractiveUserSignInLogs"),
    la_json(2, "AADNonInteractiveUserSignInLogs", ResultType="50076", Status=""),
    {"TenantId": "99999999-9999-9999-9999-999999999999", "TimeGenerated": "2025-04-01T10:00:00Z", "Type": "AuditLogs", "OperationName": "Add user"}]))

# --- Purview unified audit log
def audit(n, op, err=None, ip="203.0.113.5", rt="Login:login", ct="2025-05-01T06:54:24", extra=None):
    a = {"CreationTime": ct, "Id": gid(60 + n), "Operation": op, "OrganizationId": T1, "RecordType": 15 if op.startswith("UserLog") else 1,
         "ResultStatus": "Success", "UserKey": gid(950), "UserType": 0, "Version": 1, "Workload": "AzureActiveDirectory",
         "ClientIP": ip, "ObjectId": gid(802), "UserId": "Dave@Contoso.com", "AzureActiveDirectoryEventType": 1,
         "ExtendedProperties": [{"Name": "ResultStatusDetail", "Value": "Success"}, {"Name": "UserAgent", "Value": "Mozilla/5.0 <b>ua</b>"},
                                {"Name": "RequestType", "Value": rt}],
         "DeviceProperties": [{"Name": "OS", "Value": "MacOs"}, {"Name": "BrowserType", "Value": "Firefox"}],
         "ApplicationId": gid(803)}
    if err is not None:
        a["ErrorNumber"] = err
        if err != "0":
            a["LogonError"] = "InvalidUserNameOrPassword"
    if extra: a.update(extra)
    return a
rows = [audit(1, "UserLoggedIn", "0", ip="[::ffff:203.0.113.5]:443"), audit(2, "UserLoginFailed", "50126"),
        audit(3, "New-InboxRule", extra={"Workload": "Exchange"})]
buf = io.StringIO(); cw = csv.writer(buf)
cw.writerow(["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"])
for a in rows:
    cw.writerow([a["Id"], a["CreationTime"] + ".0000000Z ", a["RecordType"], a["Operation"], a["UserId"], json.dumps(a), "", ""])
w("ual/purview-audit.csv", buf.getvalue(), newline="")
buf = io.StringIO(); cw = csv.writer(buf)
cw.writerow(["CreationDate", "UserIds", "Operations", "AuditData"])
cl = [audit(4, "UserLoggedIn", "0", rt="OAuth2:Token"), audit(5, "UserLoggedIn", "0", ct="")]
cl[1].pop("CreationTime")
cw.writerow(["5/1/2025 6:54:24 AM", "dave@contoso.com", "UserLoggedIn", json.dumps(cl[0])])
cw.writerow(["5/13/2025 7:22:01 PM", "dave@contoso.com", "UserLoggedIn", json.dumps(cl[1])])
w("ual/Search-UnifiedAuditLog.csv", buf.getvalue(), newline="")
w("ual/UnifiedAuditLog.json", nd([audit(6, "UserLoggedIn", "0", ip="2001:db8::1"), audit(7, "FileAccessed")]))

# --- collection tools
w("tools/goose/signins_rt_signin_log_2025-01-02.json", nd([graph(80, signInEventTypes=["interactiveUser"]), graph(81, signInEventTypes=["nonInteractiveUser"], isInteractive=False)]))
w("tools/mes/SignInLogs-interactiveUser-SOF-ELK.json", nd([graph(82, t="2025-01-02T08:00:00.1234567Z")]))
hawk = [{"Id": gid(83), "CreatedDateTime": "\\/Date(1735804800000)\\/", "UserPrincipalName": "Erin@Contoso.com", "AppId": gid(800),
         "IPAddress": "192.0.2.83", "IsInteractive": True, "ClientAppUsed": "IMAP4", "ResourceTenantId": T1,
         "Status": {"ErrorCode": 0, "FailureReason": "Other.", "AdditionalDetails": None},
         "AdditionalProperties": {"authenticationRequirement": "singleFactorAuthentication"}}]
w("tools/hawk/Entra_Sign_In_Log_erin.json", "\ufeff" + json.dumps(hawk, indent=4).replace("\\\\/", "\\/"), encoding="utf-8")

# --- encodings and containers
arr = json.dumps([graph(90), graph(91)], indent=2)
w("encodings/utf8.json", arr)
w("encodings/utf8-bom.json", "\ufeff" + arr, encoding="utf-8")
w("encodings/utf16le.json", (b"\xff\xfe" + arr.replace("\n", "\r\n").encode("utf-16-le")), mode="wb")
w("encodings/utf16be.json", (b"\xfe\xff" + arr.encode("utf-16-be")), mode="wb")
w("containers/signins.json.gz", gzip.compress(arr.encode()), mode="wb")
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr("inner/signins.json", json.dumps([graph(92)]))
outer = io.BytesIO()
with zipfile.ZipFile(outer, "w") as z:
    z.writestr("export/nested.zip", inner.getvalue())
w("containers/outer.zip", outer.getvalue(), mode="wb")
# folder per tenant: records name no tenant, the folder does
def notenant(n):
    r = graph(n); r.pop("resourceTenantId"); r.pop("homeTenantId"); return r
w("tenants/%s/signins.json" % T2, json.dumps([notenant(95)]))
w("tenants/fabrikam.onmicrosoft.com/signins.json", json.dumps([notenant(96)]))
# --- more containers: bzip2, tar (issue 5's users: a responder's .tar.gz)
import bz2, tarfile
w("containers/signins.json.bz2", bz2.compress(arr.encode()), mode="wb")
def tgz(members, compression):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0) if compression == "gz" else bz2.compress(buf.getvalue())
w("containers/export.tgz", tgz([("%s/signins.json" % T2, json.dumps([notenant(97)]).encode())], "gz"), mode="wb")
w("containers/export.tar.bz2", tgz([("export/signins.json", json.dumps([graph(98)]).encode())], "bz2"), mode="wb")
bzmember = io.BytesIO()
with zipfile.ZipFile(bzmember, "w", compression=zipfile.ZIP_BZIP2) as z:
    z.writestr(zipfile.ZipInfo("signins.json", (1980, 1, 1, 0, 0, 0)), json.dumps([graph(99)]), compress_type=zipfile.ZIP_BZIP2)
w("containers/bzip2-member.zip", bzmember.getvalue(), mode="wb")
lzmember = io.BytesIO()
with zipfile.ZipFile(lzmember, "w") as z:
    z.writestr(zipfile.ZipInfo("signins.json", (1980, 1, 1, 0, 0, 0)), json.dumps([graph(99)]), compress_type=zipfile.ZIP_LZMA)
w("containers/lzma-member.zip", lzmember.getvalue(), mode="wb")
