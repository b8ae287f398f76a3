"""Realistic Chinese names for demo and benchmark data: people, companies and institutions."""

from __future__ import annotations

import random

# The most common surnames with rough relative frequencies (per cent of the population).
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2), ("赵", 2.0),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.5), ("孙", 1.5), ("马", 1.3), ("朱", 1.3), ("胡", 1.2), ("郭", 1.1),
    ("何", 1.1), ("高", 1.0), ("林", 1.0), ("罗", 0.9), ("郑", 0.9), ("梁", 0.9), ("谢", 0.8), ("宋", 0.8),
    ("唐", 0.8), ("许", 0.7), ("韩", 0.7), ("冯", 0.7), ("邓", 0.7), ("曹", 0.6), ("彭", 0.6), ("曾", 0.6),
    ("肖", 0.6), ("田", 0.6), ("董", 0.5), ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5),
    ("余", 0.5), ("杜", 0.5), ("叶", 0.5), ("程", 0.5), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4),
    ("任", 0.4), ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.4), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.3), ("夏", 0.3),
    ("韦", 0.3), ("付", 0.3), ("方", 0.3), ("白", 0.2), ("邹", 0.2), ("孟", 0.2), ("熊", 0.2), ("秦", 0.2),
    ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("闫", 0.2), ("段", 0.2), ("雷", 0.2), ("侯", 0.2),
    ("龙", 0.2), ("史", 0.2), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2), ("顾", 0.2), ("毛", 0.2), ("郝", 0.2),
    ("龚", 0.2), ("邵", 0.2), ("万", 0.2), ("钱", 0.2), ("严", 0.2), ("覃", 0.1), ("武", 0.2), ("戴", 0.2),
    ("欧阳", 0.05), ("司马", 0.02), ("诸葛", 0.01), ("上官", 0.01),
]

MALE_GIVEN = list("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志文博晨轩睿哲昊然泽")
FEMALE_GIVEN = list("芳娜敏静丽艳娟霞秀玲桂英红燕萍婷雪琳晶颖慧莹欣怡佳悦梦瑶雨彤诗涵馨琪璐倩月")
NEUTRAL_GIVEN = list("子云海春秋晓嘉思一安乐新永天玉金德成")

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "长沙", "郑州",
          "济南", "青岛", "合肥", "福州", "厦门", "宁波", "无锡", "昆明", "南昌", "太原", "沈阳", "大连"]
COMPANY_WORDS = ["华信", "恒通", "瑞丰", "鼎盛", "宏达", "金源", "中联", "博远", "天成", "德润", "永泰", "新航",
                 "嘉禾", "正元", "汇丰", "长青", "远洋", "星辰", "锦程", "盛世", "万象", "同创", "东方", "海润"]
COMPANY_TRADES = ["科技", "贸易", "建设工程", "物流", "食品", "电子", "医药", "置业", "机械制造", "服装", "环保科技",
                  "信息技术", "新能源", "餐饮管理", "文化传媒", "农业发展", "化工", "汽车销售", "装饰工程", "供应链管理"]
COMPANY_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
ORDINALS = ["第一", "第二", "第三", "第四", "第五", "第六"]
INSTITUTION_PATTERNS = [
    "{city}市{ordinal}人民医院", "{city}市中医院", "{city}市妇幼保健院", "{city}市{ordinal}中学", "{city}市实验小学",
    "{city}市{district}区教育局", "{city}市{district}区财政局", "{city}市{district}区人力资源和社会保障局",
    "{city}市住房公积金管理中心", "{city}市建筑设计研究院", "{city}市疾病预防控制中心", "{city}市图书馆",
    "{city}市{district}区卫生健康委员会", "{city}市{district}区{town}镇人民政府", "{city}大学", "{city}市职业技术学院",
    "{city}市红十字会", "{city}市{district}区市场监督管理局",
]
DISTRICTS = ["东城", "西城", "南山", "福田", "高新", "城关", "新城", "开发", "滨江", "江北", "经开", "天河"]
TOWNS = ["城南", "桥头", "清河", "石门", "白沙", "黄土", "龙泉", "新桥"]

_SURNAME_NAMES = [s for s, _ in SURNAMES]
_SURNAME_CUM: list[float] = []
_total = 0.0
for _, _weight in SURNAMES:
    _total += _weight
    _SURNAME_CUM.append(_total)


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, *, male: bool) -> str:
    """One or two characters; about 70% of people have two-character given names."""
    pool = MALE_GIVEN if male else FEMALE_GIVEN
    if rng.random() < 0.3:
        return rng.choice(pool)
    return rng.choice(pool if rng.random() < 0.8 else NEUTRAL_GIVEN) + rng.choice(pool)


def person_name(rng: random.Random, *, male: bool) -> str:
    return surname(rng) + given_name(rng, male=male)


def company_name(rng: random.Random) -> str:
    """E.g. 杭州华信科技有限公司."""
    return f"{rng.choice(CITIES)}市{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}{rng.choice(COMPANY_FORMS)}"


def institution_name(rng: random.Random) -> str:
    """E.g. 成都市第一人民医院, 武汉市江北区教育局."""
    pattern = rng.choice(INSTITUTION_PATTERNS)
    return pattern.format(
        city=rng.choice(CITIES), ordinal=rng.choice(ORDINALS), district=rng.choice(DISTRICTS), town=rng.choice(TOWNS)
    )
