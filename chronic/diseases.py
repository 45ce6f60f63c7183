"""The disease list loaded by migration 0002 (and again, idempotently, by
`load_diseases`): the five nationally direct-settled outpatient chronic and
special diseases, and diseases many insured places recognise for local
outpatient benefits but that are not settled across provinces. Names are
marked for translation: English pages show them through
`ChronicDisease.display_name`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

NATIONAL_DISEASES: list[dict[str, Any]] = [
    {
        "code": "hypertension",
        "name": gettext_noop("高血压"),
        "facility_service": "hypertension",
        "aliases": ["高血压病", "原发性高血压", "血压高"],
        "summary": "高血压门诊的检查、治疗和药品费用。",
    },
    {
        "code": "diabetes",
        "name": gettext_noop("糖尿病"),
        "facility_service": "diabetes",
        "aliases": ["1型糖尿病", "2型糖尿病", "血糖高"],
        "summary": "糖尿病门诊的检查、治疗和药品费用。",
    },
    {
        "code": "cancer",
        "name": gettext_noop("恶性肿瘤门诊放化疗"),
        "facility_service": "cancer",
        "aliases": ["恶性肿瘤", "癌症", "癌", "放疗", "化疗", "放化疗", "肿瘤放疗", "肿瘤化疗"],
        "summary": "恶性肿瘤在门诊做放疗、化疗的费用。",
    },
    {
        "code": "dialysis",
        "name": gettext_noop("尿毒症透析"),
        "facility_service": "dialysis",
        "aliases": ["尿毒症", "透析", "血液透析", "血透", "腹膜透析", "腹透", "肾透析"],
        "summary": "尿毒症在门诊做血液透析、腹膜透析的费用。",
    },
    {
        "code": "transplant",
        "name": gettext_noop("器官移植术后抗排异治疗"),
        "facility_service": "transplant",
        "aliases": ["器官移植", "肾移植", "肝移植", "心脏移植", "肺移植", "抗排异", "移植术后"],
        "summary": "器官移植手术后在门诊做抗排异治疗的费用。",
    },
]

REGIONAL_DISEASES: list[dict[str, Any]] = [
    {
        "code": "coronary-heart-disease",
        "name": gettext_noop("冠心病"),
        "aliases": ["冠状动脉粥样硬化性心脏病"],
    },
    {
        "code": "heart-failure",
        "name": gettext_noop("慢性心力衰竭"),
        "aliases": ["心衰", "心力衰竭"],
    },
    {
        "code": "stroke-sequelae",
        "name": gettext_noop("脑卒中后遗症"),
        "aliases": ["脑梗后遗症", "脑梗死后遗症", "脑出血后遗症", "中风后遗症"],
    },
    {
        "code": "copd",
        "name": gettext_noop("慢性阻塞性肺疾病"),
        "aliases": ["慢阻肺", "慢性支气管炎", "肺气肿"],
    },
    {"code": "tuberculosis", "name": gettext_noop("肺结核"), "aliases": ["结核病", "结核"]},
    {
        "code": "chronic-hepatitis",
        "name": gettext_noop("慢性病毒性肝炎"),
        "aliases": ["乙肝", "丙肝", "慢性乙型肝炎", "慢性丙型肝炎"],
    },
    {"code": "cirrhosis", "name": gettext_noop("肝硬化"), "aliases": []},
    {"code": "parkinsons", "name": gettext_noop("帕金森病"), "aliases": ["帕金森"]},
    {"code": "rheumatoid-arthritis", "name": gettext_noop("类风湿关节炎"), "aliases": ["类风湿"]},
    {"code": "lupus", "name": gettext_noop("系统性红斑狼疮"), "aliases": ["红斑狼疮", "狼疮"]},
    {
        "code": "severe-mental-illness",
        "name": gettext_noop("重性精神疾病"),
        "aliases": ["精神分裂症", "双相情感障碍", "精神病"],
    },
    {"code": "epilepsy", "name": gettext_noop("癫痫"), "aliases": ["羊癫疯"]},
    {"code": "aplastic-anaemia", "name": gettext_noop("再生障碍性贫血"), "aliases": ["再障"]},
    {"code": "haemophilia", "name": gettext_noop("血友病"), "aliases": []},
    {"code": "hyperthyroidism", "name": gettext_noop("甲状腺功能亢进症"), "aliases": ["甲亢"]},
    {
        "code": "chronic-kidney-disease",
        "name": gettext_noop("慢性肾脏病（非透析）"),
        "aliases": ["慢性肾病", "慢性肾功能不全", "肾衰竭"],
    },
    {
        "code": "alzheimers",
        "name": gettext_noop("阿尔茨海默病"),
        "aliases": ["老年痴呆", "老年痴呆症"],
    },
]


def load_diseases(disease_model: Any) -> int:
    """Upsert every listed disease by code; returns how many there are."""
    for order, row in enumerate(NATIONAL_DISEASES, start=1):
        disease_model.objects.update_or_create(
            code=row["code"], defaults={**row, "scope": "national", "sort_order": order}
        )
    for order, row in enumerate(REGIONAL_DISEASES, start=100):
        disease_model.objects.update_or_create(
            code=row["code"],
            defaults={**row, "scope": "regional", "facility_service": "", "sort_order": order},
        )
    return len(NATIONAL_DISEASES) + len(REGIONAL_DISEASES)
