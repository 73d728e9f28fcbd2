DELETE FROM judge_agreement;
