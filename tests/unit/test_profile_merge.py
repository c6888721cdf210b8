"""Profile.update: a newer statement about a fact wins for what it says and never erases what it leaves out."""

from __future__ import annotations

from bot.profile import MedicationUse, Profile, profile_from_mapping


def uses(profile: Profile) -> dict[str, dict]:
    return {u["drug"]: u for u in profile.to_dict()["medications"]["taken"]}


def test_naming_a_medicine_again_keeps_its_start():
    profile = profile_from_mapping({"medications": [{"drug": "hydroxyurea", "since": "12 months"}]})
    again = Profile()
    again.medications.add(MedicationUse("hydroxyurea", current=True))
    again.medications.complete = True
    assert profile.update(again) == ["medications"]  # the list is now closed, nothing else changed
    use = uses(profile)["hydroxyurea"]
    assert use["current"] is True and round(use["started_days_ago"]) == 365
    assert profile.medications.complete


def test_stopping_keeps_the_start_and_taking_again_drops_the_stop():
    profile = profile_from_mapping({"medications": [{"drug": "ruxolitinib", "since": "8 months"}]})
    stop = Profile()
    stop.medications.add(MedicationUse("ruxolitinib", current=False, stopped_days_ago=7))
    profile.update(stop)
    use = uses(profile)["ruxolitinib"]
    assert use["current"] is False and use["stopped_days_ago"] == 7 and round(use["started_days_ago"]) == 244
    again = Profile()
    again.medications.add(MedicationUse("ruxolitinib", current=True, started_days_ago=2))
    profile.update(again)
    assert uses(profile)["ruxolitinib"] == {"drug": "ruxolitinib", "current": True, "started_days_ago": 2}


def test_a_restatement_with_nothing_new_changes_nothing():
    profile = profile_from_mapping({"medications": [{"drug": "hydroxyurea", "since": "12 months"}], "age": 60})
    same = profile_from_mapping({"medications": ["hydroxyurea"], "age": 60})
    assert profile.update(same) == []
