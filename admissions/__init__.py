"""The stay at the hospital: will it be settled directly (the coverage
question, for people and for hospitals), and what hospitals do at admission
and discharge (seed 003; 医保发〔2022〕22号 三(三)(四))."""
