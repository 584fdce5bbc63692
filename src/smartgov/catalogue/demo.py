"""Demo data of the catalogue app for one demo city; called by `smartgov demo` (demo/world.py).

Seven realistic services per city, each with a form and a workflow, published. Idempotent: a
service whose code exists is left as it is (a second run changes nothing)."""

from __future__ import annotations

import random
from typing import Any

from smartgov.audit.services import Actor
from smartgov.catalogue import selectors, services
from smartgov.catalogue import workflow as wf
from smartgov.kit.errors import NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy import services as tenancy
from smartgov.tenancy.models import Department, Tenant

ACTOR = Actor.system("smartgov demo")
EXTRA_DEPARTMENTS = [
    ("public-security", "公安局", "Public security bureau"),
    ("housing-construction", "住房和城乡建设局", "Housing and urban-rural construction bureau"),
    ("natural-resources", "自然资源和规划局", "Natural resources and planning bureau"),
    ("human-resources-social-security", "人力资源和社会保障局", "Human resources and social security bureau"),
]


def _l(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _f(name: str, kind: str, zh: str, en: str, required: bool = True, **rules: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "label": _l(zh, en), **({"required": True} if required else {}), **rules}


def _choices(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "label": _l(zh, en)} for v, zh, en in pairs]


APPLICANT_FIELDS = [
    _f("applicant_name", "text", "申请人姓名", "Applicant's name", max_length=50, section="applicant"),
    _f("applicant_id", "identity_number", "身份证号码", "Resident identity number", section="applicant"),
    _f("applicant_phone", "phone", "联系电话", "Phone", section="applicant"),
]
APPLICANT_SECTION = {"id": "applicant", "label": _l("申请人", "Applicant")}


def _business_licence() -> dict[str, Any]:
    return {
        "code": "business-licence", "department": "market-regulation",
        "name_zh": "营业执照（有限责任公司设立登记）", "name_en": "Business licence (limited company registration)",
        "description_zh": "设立有限责任公司，领取营业执照。全程网办，电子营业执照与纸质执照同等效力。",
        "description_en": "Register a limited liability company and receive its business licence. Fully online; "
                          "the electronic licence has the same force as the paper one.",
        "eligibility_zh": "拟设立公司的全体股东或其委托的代理人。", "eligibility_en": "All founding shareholders, or "
                          "their authorised agent.",
        "required_documents": [{"name_zh": "公司章程", "name_en": "Articles of association"},
                               {"name_zh": "住所使用证明", "name_en": "Proof of the registered address"},
                               {"name_zh": "股东主体资格证明", "name_en": "Shareholders' identity documents"}],
        "delivery_mode": "online", "fee_kind": "none", "time_limit_days": 3,
        "certificate_validity_months": None,  # a business licence does not expire (营业期限 is the company's own)
        "sections": [APPLICANT_SECTION, {"id": "company", "label": _l("公司信息", "Company")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("company_name", "text", "拟设公司名称", "Proposed company name", min_length=4, max_length=60,
                      section="company"),
                   _f("registered_capital", "money", "注册资本（分）", "Registered capital (fen)", minimum=100,
                      section="company"),
                   _f("business_scope", "textarea", "经营范围", "Business scope", max_length=2000, section="company"),
                   _f("address", "address", "住所", "Registered address", section="company"),
                   _f("lease", "file", "住所使用证明", "Proof of the address", section="company"),
                   _f("shareholders", "group", "股东", "Shareholders", min_items=1, max_items=50, fields=[
                       _f("name", "text", "股东姓名或名称", "Shareholder"),
                       _f("id_number", "identity_number", "身份证号码", "Identity number"),
                       _f("contribution", "money", "认缴出资额（分）", "Subscribed contribution (fen)")])],
        "workflow": wf.template("market-regulation", 3),
    }


def _food_licence() -> dict[str, Any]:
    definition = wf.template("market-regulation", 10)
    definition["states"].insert(2, {
        "id": "inspection", "kind": "work", "department": "market-regulation", "time_limit_days": 5,
        "label": _l("现场核查", "On-site inspection"),
        "on_breach": {"escalate_to": "supervisor", "notify": ["assignee"]}})
    definition["transitions"].append({"from": "review", "to": "inspection", "action": "inspect",
                                      "roles": ["caseworker"], "label": _l("安排现场核查", "Inspect on site")})
    definition["transitions"].append({"from": "inspection", "to": "approved", "action": "pass_inspection",
                                      "roles": ["caseworker", "supervisor"], "kind": "approval",
                                      "label": _l("核查通过", "Inspection passed")})
    definition["transitions"].append({"from": "inspection", "to": "rejected", "action": "fail_inspection",
                                      "roles": ["caseworker", "supervisor"], "kind": "rejection",
                                      "label": _l("核查不通过", "Inspection failed")})
    return {
        "code": "food-business-licence", "department": "market-regulation",
        "name_zh": "食品经营许可证", "name_en": "Food business licence",
        "description_zh": ("从事食品销售和餐饮服务，应当依法取得食品经营许可。"
                           "需要时安排现场核查。"),
        "description_en": "Selling food or running a catering business requires a food business licence. "
                          "An on-site inspection may be arranged.",
        "eligibility_zh": "已取得营业执照的市场主体。", "eligibility_en": "Businesses holding a business licence.",
        "required_documents": [{"name_zh": "营业执照", "name_en": "Business licence"},
                               {"name_zh": "经营场所平面图", "name_en": "Floor plan of the premises"},
                               {"name_zh": "食品安全管理制度", "name_en": "Food safety management rules"},
                               {"name_zh": "从业人员健康证明", "name_en": "Staff health certificates",
                                "optional": True}],
        "delivery_mode": "one_visit", "fee_kind": "none", "time_limit_days": 10,
        "certificate_validity_months": 60,  # 食品经营许可和备案管理办法: a food business licence runs five years
        "sections": [APPLICANT_SECTION, {"id": "business", "label": _l("经营信息", "Business")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("business_name", "text", "经营者名称", "Business name", section="business"),
                   _f("uscc", "text", "统一社会信用代码", "Unified social credit code",
                      pattern="^[0-9A-HJ-NPQRTUWXY]{18}$", section="business"),
                   _f("categories", "multi_choice", "经营项目", "Activities", section="business", choices=_choices(
                       ("prepacked", "预包装食品销售", "Prepackaged food sales"),
                       ("bulk", "散装食品销售", "Bulk food sales"),
                       ("catering", "热食类食品制售", "Hot food preparation"),
                       ("cold", "冷食类食品制售", "Cold food preparation"))),
                   _f("area_m2", "number", "经营场所面积（平方米）", "Floor area (m²)", minimum=1, maximum=100000,
                      section="business"),
                   _f("has_central_kitchen", "choice", "是否设中央厨房", "Central kitchen?", section="business",
                      choices=_choices(("yes", "是", "Yes"), ("no", "否", "No"))),
                   _f("kitchen_plan", "file", "中央厨房布局图", "Central kitchen layout", section="business",
                      show_if={"field": "has_central_kitchen", "equals": "yes"}),
                   _f("floor_plan", "file", "经营场所平面图", "Floor plan", section="business")],
        "workflow": definition,
    }


def _residence_permit() -> dict[str, Any]:
    return {
        "code": "residence-permit", "department": "public-security",
        "name_zh": "居住证申领", "name_en": "Residence permit",
        "description_zh": ("离开常住户口所在地，在本市居住半年以上，符合有合法稳定就业、合法稳定住所、"
                           "连续就读条件之一的，可以申领居住证。首次申领免费。"),
        "description_en": "People who have lived here for six months or more away from their household "
                          "registration, with stable work, a stable home or children in school here, may apply. "
                          "The first permit is free.",
        "eligibility_zh": "在本市居住满半年的非本市户籍人员。", "eligibility_en": "Residents without local household "
                          "registration who have lived here six months.",
        "required_documents": [{"name_zh": "居住登记凭证", "name_en": "Residence registration"},
                               {"name_zh": "劳动合同或租房合同", "name_en": "Employment or tenancy contract"},
                               {"name_zh": "近期免冠照片", "name_en": "Recent photo"}],
        "delivery_mode": "one_visit", "fee_kind": "none", "time_limit_days": 15,
        "certificate_validity_months": 12,  # 居住证暂行条例: endorsed once a year
        "sections": [APPLICANT_SECTION, {"id": "residence", "label": _l("居住信息", "Residence")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("address", "address", "居住地址", "Address here", section="residence"),
                   _f("since", "date", "来本市居住日期", "Living here since", section="residence",
                      minimum="1950-01-01"),
                   _f("basis", "choice", "申领依据", "Basis of the application", section="residence",
                      choices=_choices(("work", "合法稳定就业", "Stable work"), ("home", "合法稳定住所", "Stable home"),
                                       ("study", "连续就读", "Studying here"))),
                   _f("employer", "text", "就业单位", "Employer", section="residence",
                      show_if={"field": "basis", "equals": "work"}),
                   _f("contract", "file", "劳动合同或租房合同", "Contract", section="residence"),
                   _f("photo", "file", "照片", "Photo", section="residence", accept="image/jpeg")],
        "workflow": wf.template("public-security", 15),
    }


def _building_permit() -> dict[str, Any]:
    definition = {
        "states": [
            {"id": "submitted", "kind": "start", "label": _l("已提交", "Submitted")},
            {"id": "review", "kind": "work", "department": "housing-construction", "time_limit_days": 3,
             "label": _l("受理审查", "Review")},
            {"id": "joint_review", "kind": "work", "time_limit_days": 4,
             "label": _l("联合审查", "Joint review"),
             "signoff": {"departments": ["housing-construction", "natural-resources"],
                         "roles": ["caseworker", "supervisor"]},
             "on_breach": {"escalate_to": "supervisor", "notify": ["assignee", "supervisor"]}},
            {"id": "correction", "kind": "work", "pauses_clock": True, "time_limit_days": 20,
             "label": _l("补正材料", "Correction")},
            {"id": "decision", "kind": "work", "department": "housing-construction", "time_limit_days": 2,
             "label": _l("审批决定", "Decision"),
             "on_breach": {"escalate_to": "supervisor", "notify": ["supervisor"]}},
            {"id": "approved", "kind": "final", "outcome": "approved", "label": _l("核发许可证", "Permit issued")},
            {"id": "rejected", "kind": "final", "outcome": "rejected", "label": _l("不予许可", "Refused")},
        ],
        "transitions": [
            {"from": "submitted", "to": "review", "action": "accept", "roles": ["caseworker"],
             "label": _l("受理", "Accept")},
            {"from": "review", "to": "correction", "action": "request_correction", "roles": ["caseworker"],
             "kind": "correction", "label": _l("要求补正", "Request correction")},
            {"from": "correction", "to": "review", "action": "resubmit", "roles": ["applicant"],
             "label": _l("重新提交", "Resubmit")},
            {"from": "review", "to": "joint_review", "action": "forward", "roles": ["caseworker"],
             "label": _l("提交联审", "Forward to joint review")},
            {"from": "joint_review", "to": "decision", "action": "conclude", "roles": ["supervisor"],
             "label": _l("联审通过", "Joint review passed")},
            {"from": "joint_review", "to": "rejected", "action": "reject", "roles": ["supervisor"],
             "kind": "rejection", "label": _l("联审不通过", "Joint review failed")},
            {"from": "decision", "to": "approved", "action": "approve", "roles": ["supervisor"], "kind": "approval",
             "label": _l("准予许可", "Approve")},
            {"from": "decision", "to": "rejected", "action": "refuse", "roles": ["supervisor"], "kind": "rejection",
             "label": _l("不予许可", "Refuse")},
        ],
    }
    return {
        "code": "building-construction-permit", "department": "housing-construction",
        "name_zh": "建筑工程施工许可证核发", "name_en": "Building construction permit",
        "description_zh": ("工程投资额30万元以上或建筑面积300平方米以上的建筑工程，开工前应申领施工许可证。"
                           "住建、自然资源部门联合审查。"),
        "description_en": "Building works over ¥300,000 or 300 m² need a construction permit before work starts. "
                          "Housing and natural-resources departments review jointly.",
        "eligibility_zh": "建设单位。", "eligibility_en": "The client (developer) of the works.",
        "required_documents": [{"name_zh": "建设工程规划许可证", "name_en": "Planning permit"},
                               {"name_zh": "施工合同", "name_en": "Construction contract"},
                               {"name_zh": "施工图审查合格书", "name_en": "Approved construction drawings"},
                               {"name_zh": "质量安全监督手续", "name_en": "Quality and safety supervision filing"}],
        "delivery_mode": "online", "fee_kind": "computed", "fee_rule": "infrastructure-levy",
        "time_limit_days": 7,
        "certificate_validity_months": 3,  # 建筑工程施工许可管理办法 art. 9: lapses unless work starts in 3 months
        "sections": [APPLICANT_SECTION, {"id": "project", "label": _l("工程信息", "Project")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("project_name", "text", "工程名称", "Project name", section="project"),
                   _f("site", "address", "建设地址", "Site", section="project"),
                   _f("floor_area_m2", "number", "建筑面积（平方米）", "Floor area (m²)", minimum=300,
                      section="project"),
                   _f("contract_price", "money", "合同价格（分）", "Contract price (fen)", minimum=30_000_000,
                      section="project"),
                   _f("start_date", "date", "计划开工日期", "Planned start", section="project",
                      minimum="2025-01-01"),
                   _f("planning_permit", "file", "建设工程规划许可证", "Planning permit", section="project"),
                   _f("contractors", "group", "施工单位", "Contractors", min_items=1, section="project", fields=[
                       _f("name", "text", "单位名称", "Company"),
                       _f("manager", "text", "项目经理", "Project manager"),
                       _f("manager_phone", "phone", "项目经理电话", "Manager's phone")])],
        "workflow": definition,
    }


def _social_insurance_certificate() -> dict[str, Any]:
    return {
        "code": "social-insurance-certificate", "department": "human-resources-social-security",
        "name_zh": "社会保险参保缴费证明", "name_en": "Social insurance payment certificate",
        "description_zh": "开具个人社会保险参保缴费证明，用于购房、落户、子女入学等。即时办结，电子证明可在线验证。",
        "description_en": "A certificate of one's social insurance contributions, for home purchase, household "
                          "registration or school places. Issued at once; the electronic certificate can be verified "
                          "online.",
        "eligibility_zh": "本市参保人员本人。", "eligibility_en": "Insured persons, for themselves.",
        "required_documents": [],
        "delivery_mode": "online", "fee_kind": "none", "time_limit_days": 1,
        "certificate_validity_months": 3,  # payment certificates are accepted for three months from issue
        "sections": [APPLICANT_SECTION, {"id": "period", "label": _l("证明期间", "Period")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("from_month", "date", "起始日期", "From", section="period", minimum="1990-01-01"),
                   _f("to_month", "date", "截止日期", "To", section="period"),
                   _f("insurances", "multi_choice", "险种", "Insurances", section="period", choices=_choices(
                       ("pension", "养老保险", "Pension"), ("medical", "医疗保险", "Medical"),
                       ("unemployment", "失业保险", "Unemployment"), ("injury", "工伤保险", "Work injury"))),
                   _f("purpose", "choice", "用途", "Purpose", section="period", choices=_choices(
                       ("housing", "购房", "Home purchase"), ("hukou", "落户", "Household registration"),
                       ("school", "子女入学", "School place"), ("other", "其他", "Other"))),
                   _f("purpose_other", "text", "其他用途说明", "Other purpose", section="period", max_length=100,
                      show_if={"field": "purpose", "equals": "other"})],
        "workflow": {
            "states": [
                {"id": "submitted", "kind": "start", "label": _l("已提交", "Submitted")},
                {"id": "check", "kind": "work", "department": "human-resources-social-security",
                 "time_limit_days": 1, "label": _l("核对", "Check"),
                 "on_breach": {"escalate_to": "supervisor", "notify": ["supervisor"]}},
                {"id": "issued", "kind": "final", "outcome": "approved", "label": _l("已出具", "Issued")},
                {"id": "refused", "kind": "final", "outcome": "rejected", "label": _l("不予出具", "Refused")},
            ],
            "transitions": [
                {"from": "submitted", "to": "check", "action": "accept", "roles": ["caseworker"],
                 "label": _l("受理", "Accept")},
                {"from": "check", "to": "issued", "action": "issue", "roles": ["caseworker"], "kind": "approval",
                 "label": _l("出具证明", "Issue")},
                {"from": "check", "to": "refused", "action": "refuse", "roles": ["caseworker"], "kind": "rejection",
                 "label": _l("不予出具", "Refuse")},
            ],
        },
    }


def _elderly_care_filing() -> dict[str, Any]:
    return {
        "code": "elderly-care-filing", "department": "civil-affairs",
        "name_zh": "养老机构备案", "name_en": "Elderly care institution filing (备案)",
        "description_zh": "设立养老机构，应当在登记后向民政部门备案。备案不是许可：材料齐全即予备案，此后接受监管。",
        "description_en": "An elderly care institution files with civil affairs after registration. A filing is not "
                          "a licence: complete filings are recorded, and supervision follows.",
        "eligibility_zh": "已登记的养老机构。", "eligibility_en": "Registered elderly care institutions.",
        "required_documents": [{"name_zh": "备案书", "name_en": "Filing form"},
                               {"name_zh": "承诺书", "name_en": "Undertaking"}],
        "delivery_mode": "online", "fee_kind": "none", "time_limit_days": 5,
        "certificate_validity_months": None,  # a filing receipt does not expire
        "sections": [APPLICANT_SECTION, {"id": "institution", "label": _l("机构信息", "Institution")}],
        "fields": [*APPLICANT_FIELDS,
                   _f("institution_name", "text", "机构名称", "Institution", section="institution"),
                   _f("address", "address", "服务场所", "Premises", section="institution"),
                   _f("beds", "number", "床位数", "Beds", minimum=1, maximum=5000, integer=True,
                      section="institution"),
                   _f("undertaking", "file", "承诺书", "Undertaking", section="institution")],
        "workflow": {
            "states": [
                {"id": "submitted", "kind": "start", "label": _l("已提交", "Submitted")},
                {"id": "completeness", "kind": "work", "department": "civil-affairs", "time_limit_days": 5,
                 "label": _l("材料核对", "Completeness check")},
                {"id": "correction", "kind": "work", "pauses_clock": True, "time_limit_days": 10,
                 "label": _l("补正材料", "Correction")},
                {"id": "recorded", "kind": "final", "outcome": "recorded", "label": _l("已备案", "Recorded")},
            ],
            "transitions": [
                {"from": "submitted", "to": "completeness", "action": "accept", "roles": ["caseworker"],
                 "label": _l("接收", "Receive")},
                {"from": "completeness", "to": "recorded", "action": "record", "roles": ["caseworker"],
                 "kind": "approval", "label": _l("予以备案", "Record")},
                {"from": "completeness", "to": "correction", "action": "request_correction",
                 "roles": ["caseworker"], "kind": "correction", "label": _l("要求补正", "Request correction")},
                {"from": "correction", "to": "completeness", "action": "resubmit", "roles": ["applicant"],
                 "label": _l("重新提交", "Resubmit")},
            ],
        },
    }


def _driving_licence_replacement() -> dict[str, Any]:
    return {
        "code": "driving-licence-replacement", "department": "traffic-police",
        "name_zh": "机动车驾驶证补领", "name_en": "Driving licence replacement",
        "description_zh": "驾驶证遗失的，可以在线申请补领，新证邮寄到家。收取工本费10元。",
        "description_en": "Replace a lost driving licence online; the new one is posted to you. Fee ¥10.",
        "eligibility_zh": "驾驶证遗失的持证人。", "eligibility_en": "Holders who lost their licence.",
        "required_documents": [{"name_zh": "身份证明", "name_en": "Identity document"}],
        "delivery_mode": "online", "fee_kind": "fixed", "fee_fen": 1000, "time_limit_days": 1,
        "certificate_validity_months": 72,  # 机动车驾驶证申领和使用规定: a licence's first period is six years
        "sections": [APPLICANT_SECTION],
        "fields": [*APPLICANT_FIELDS,
                   _f("licence_number", "text", "驾驶证号", "Licence number", pattern="^[0-9]{17}[0-9X]$"),
                   _f("postal_address", "address", "邮寄地址", "Postal address")],
        "workflow": wf.template("traffic-police", 1),
    }


SERVICES = [_business_licence, _food_licence, _residence_permit, _building_permit, _social_insurance_certificate,
            _elderly_care_filing, _driving_licence_replacement]


def _department(tenant: Tenant, code: str) -> Department:
    try:
        return tenancy_selectors.department_by_code(tenant, code)
    except NotFound:
        zh, en = next((zh, en) for c, zh, en in EXTRA_DEPARTMENTS if c == code)
        return tenancy.create_department(ACTOR, tenant, code, zh, en)


def load(tenant: Tenant, rng: random.Random) -> None:
    """Load this app's demo records for a city tenant (runs inside its tenant_context)."""
    for code, _zh, _en in EXTRA_DEPARTMENTS:
        _department(tenant, code)
    for make in SERVICES:
        spec = make()
        try:
            selectors.service_by_code(tenant, spec["code"])
            continue  # already there: the demo never overwrites what an administrator may have changed
        except NotFound:
            pass
        service = services.create_service(
            ACTOR, tenant, code=spec["code"], name_zh=spec["name_zh"], name_en=spec["name_en"],
            department=_department(tenant, spec["department"]), description_zh=spec["description_zh"],
            description_en=spec["description_en"], eligibility_zh=spec["eligibility_zh"],
            eligibility_en=spec["eligibility_en"], required_documents=spec["required_documents"],
            delivery_mode=spec["delivery_mode"], fee_kind=spec["fee_kind"], fee_fen=spec.get("fee_fen", 0),
            time_limit_days=spec["time_limit_days"], certificate_validity_months=spec["certificate_validity_months"],
        )
        services.save_draft(ACTOR, tenant, service, form_fields=spec["fields"], form_sections=spec["sections"],
                            workflow=wf.dump(spec["workflow"]), fee_rule=spec.get("fee_rule"))
        services.publish_service(ACTOR, tenant, service)
